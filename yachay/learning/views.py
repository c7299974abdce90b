"""Pages for learners (their courses, lessons and quizzes) and for staff (a cohort's progress).

Learner pages work without JavaScript and record nothing on GET: a lesson counts as read when
its "mark as read" button is pressed (POST), a quiz attempt when its form is sent (POST). There
is no attempt id in any URL: the result page shows the signed-in learner's own latest attempt,
so there is nothing to guess that would show another learner's.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yachay.accounts.http import signed_in_user
from yachay.accounts.models import User
from yachay.cohorts import roster
from yachay.cohorts import selectors as cohort_selectors
from yachay.cohorts.models import Cohort, Enrollment
from yachay.core.actors import Actor
from yachay.learning import completion as rules_
from yachay.learning import course_format, forms, selectors, services
from yachay.learning.models import Activity, Course
from yachay.learning.services import LearningRefused

LOGIN = "/entrar/"  # learners' pages: sign in by an emailed link
STAFF_LOGIN = "accounts:staff_login"  # staff pages: username and password

View = Callable[..., HttpResponse]


def learner_page(view: View) -> View:
    """Signed in; a :class:`LearningRefused` becomes a page with its message and status."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except LearningRefused as refused:
            return render(
                request, "learning/refused.html", {"refusal": refused}, status=refused.status
            )

    return login_required(wrapped, login_url=LOGIN)


def _user(request: HttpRequest) -> User:
    return signed_in_user(request)


def _taking(
    user: User, slug: str, activity_id: str | None = None, figures: str | None = None
) -> tuple[Course, Enrollment, Activity | None]:
    """The course (404 if unknown or not imported), the enrollment through which the user
    takes it (403 if none) and, given ``activity_id``, the activity of its current version
    (404 if none). The course and its activities come from the process
    (:func:`selectors.course_shape`); the enrollment, with the activity's ``figures``
    (``"lesson"`` or ``"quiz"``: the page's own progress figures), is one query."""
    shape = selectors.course_shape(slug)
    if shape is None:
        raise Http404
    activity = shape.activity(activity_id) if activity_id is not None else None
    if activity is None:
        figures = None
    enrollment = selectors.taking(
        user, shape, figures, activity.activity_id if activity is not None else ""
    )
    if enrollment is None:
        raise LearningRefused(
            "not_enrolled", _("You are not enrolled in a track that takes this course."), 403
        )
    if activity_id is not None and activity is None:
        raise Http404(_("This course has no such activity."))
    return shape.course, enrollment, activity


def _neighbours(course: Course, activity: Activity) -> tuple[Activity | None, Activity | None]:
    shape = selectors.shape_of(course)
    if shape is None:  # pragma: no cover - a course imported again this very moment
        return selectors.activity_neighbours(activity)
    return shape.neighbours(activity)


def activity_url(slug: str, kind: str, activity_id: str) -> str:
    name = "learning:lesson" if kind == Activity.Kind.LESSON else "learning:quiz"
    return reverse(name, args=[slug, activity_id])


def _next_url(course: Course, after: Activity | None) -> str:
    if after is None:
        return reverse("learning:outline", args=[course.slug])
    return activity_url(course.slug, after.kind, after.activity_id)


# --- Mi aprendizaje, a course's outline ----------------------------------------------------------


@learner_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "learning/home.html",
        {
            "items": selectors.learner_courses(user),
            "staff": user.works_with_cohorts,
            "now": timezone.now(),
        },
    )


@learner_page
@require_GET
def outline(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    course, enrollment, _none = _taking(user, slug)
    found = selectors.learner_outline(user, course)
    if found is None:  # pragma: no cover - _taking found a current version
        raise Http404
    return render(
        request,
        "learning/outline.html",
        {
            "course": course,
            "outline": found,
            "status": selectors.completion_status(found, enrollment),
        },
    )


# --- A lesson ------------------------------------------------------------------------------------

_TABLE_OPEN = '<div class="scroll" tabindex="0">\n<table>'


def lesson_html(course: Course, activity: Activity) -> str:
    """The lesson's sanitised HTML with its links and images resolved, each table wrapped in
    a box that scrolls sideways on a narrow screen (tables have no attributes after nh3, so
    ``<table>`` is exactly what it writes)."""
    version = course.current_version
    assert version is not None
    html = course_format.resolve_lesson_html(
        activity.html,
        lesson_url=lambda lesson_id: reverse("learning:lesson", args=[course.slug, lesson_id]),
        asset_url=lambda path: reverse("learning:asset", args=[course.slug, version.number, path]),
    )
    return html.replace("<table>", _TABLE_OPEN).replace("</table>", "</table>\n</div>")


@learner_page
@require_http_methods(["GET", "POST"])
def lesson(request: HttpRequest, slug: str, activity_id: str) -> HttpResponse:
    user = _user(request)
    course, enrollment, activity = _taking(user, slug, activity_id, "lesson")
    assert activity is not None
    if activity.is_quiz:
        return redirect("learning:quiz", slug, activity.activity_id)
    before, after = _neighbours(course, activity)
    if request.method == "POST":
        services.lesson_complete(
            user=user,
            course=course,
            activity_id=activity.activity_id,
            actor=Actor.of_user(user),
            enrollment=enrollment,
        )
        messages.success(request, _("Lesson marked as read."))
        return redirect(_next_url(course, after))
    return render(
        request,
        "learning/lesson.html",
        {
            "course": course,
            "activity": activity,
            "html": lesson_html(course, activity),
            "done_at": getattr(enrollment, "lesson_done_at", None),
            "before": before,
            "after": after,
            "next_url": _next_url(course, after),
        },
    )


# --- A quiz --------------------------------------------------------------------------------------


def _pass_mark(course: Course, activity: Activity) -> int | None:
    assert course.current_version is not None
    return rules_.pass_mark(course.current_version.completion_rules, activity.kind)


def _passed(standing: selectors.QuizStanding, pass_mark: int | None) -> bool:
    if standing.best is None:
        return False
    return pass_mark is None or standing.best >= pass_mark


@learner_page
@require_http_methods(["GET", "POST"])
def quiz(request: HttpRequest, slug: str, activity_id: str) -> HttpResponse:
    user = _user(request)
    course, enrollment, activity = _taking(user, slug, activity_id, "quiz")
    assert activity is not None
    if not activity.is_quiz:
        return redirect("learning:lesson", slug, activity.activity_id)
    standing = selectors.standing_of(enrollment, activity)
    # The same shuffled order on every view of one attempt, a new one for the next attempt.
    questions = selectors.quiz_for_display(activity, seed=f"{user.pk}:{standing.used + 1}")
    fields = forms.quiz_fields(questions)
    refusal: LearningRefused | None = None
    status = 200
    answered_none = False
    if request.method == "POST":
        answers, valid = forms.read_answers(fields, request.POST)
        answered_none = not answers and valid
        # Every question needs an answer: an empty or half-filled form records nothing,
        # spends no attempt and shows no answers.
        valid = forms.require_every_answer(fields, answers) and valid
        if not valid:
            status = 422
        else:
            try:
                # once_for: the attempt the form was shown for. Sent already (a double tap,
                # a reload that posts again): nothing is recorded, the result is shown.
                services.quiz_submit(
                    user=user,
                    course=course,
                    activity_id=activity.activity_id,
                    answers=answers,
                    actor=Actor.of_user(user),
                    enrollment=enrollment,
                    once_for=forms.attempt_number(request.POST),
                )
            except services.AlreadySent:
                messages.info(request, _("Your answers were already sent: here is the result."))
                return redirect("learning:quiz_result", slug, activity.activity_id)
            except LearningRefused as refused:
                status = refused.status
                by_id = {f.id: f for f in fields}
                if refused.code == "invalid_answer" and refused.question in by_id:
                    by_id[refused.question].error = refused.message
                else:
                    refusal = refused
                if refused.code == "no_attempts_left":
                    standing = selectors.quiz_standing(user, course, activity)
            else:
                return redirect("learning:quiz_result", slug, activity.activity_id)
    left = standing.left
    pass_mark = _pass_mark(course, activity)
    return render(
        request,
        "learning/quiz.html",
        {
            "course": course,
            "activity": activity,
            "fields": fields,
            "standing": standing,
            "attempts_left": left,
            "can_submit": left is None or left > 0,
            "out_of_attempts": left == 0 and not _passed(standing, pass_mark),
            "pass_mark": pass_mark,
            "next_number": standing.used + 1,
            "attempt_field": forms.ATTEMPT_FIELD,
            "refusal": refusal,
            "has_errors": any(f.error for f in fields),
            "answered_none": answered_none,
        },
        status=status,
    )


def _answer_text(question: dict[str, Any], answer: object) -> list[str]:
    """What the learner answered, in words (the texts of the options they chose)."""
    if answer is None:
        return []
    if question["type"] == "true_false":
        return [_("True") if answer is True else _("False")]
    texts = {o["id"]: o["text"] for o in question.get("options") or question.get("items") or ()}
    if isinstance(answer, list):
        return [texts.get(str(i), str(i)) for i in answer]
    if question["type"] == "single":
        return [texts.get(str(answer), str(answer))]
    unit = question.get("unit") or ""
    return [f"{answer} {unit}".strip()]


@learner_page
@require_GET
def quiz_result(request: HttpRequest, slug: str, activity_id: str) -> HttpResponse:
    """The learner's latest attempt at the quiz: score, pass or not, and per question whether
    it was right, the feedback of what they chose and the explanation."""
    user = _user(request)
    course, enrollment, activity = _taking(user, slug, activity_id, "quiz")
    assert activity is not None
    if not activity.is_quiz:
        return redirect("learning:lesson", slug, activity.activity_id)
    standing = selectors.standing_of(enrollment, activity)
    attempt = (
        selectors.quiz_attempt(user, course, activity.activity_id, standing.used)
        if standing.used
        else None
    )
    if attempt is None:
        return redirect("learning:quiz", slug, activity.activity_id)
    questions = selectors.quiz_for_display(activity, seed=f"{user.pk}:{attempt.number}")
    rows = []
    for number, q in enumerate(questions, start=1):
        result = attempt.results.get(q["id"])
        if result is None:  # a question added by a newer version of the course
            continue
        rows.append(
            {
                "number": number,
                "question": q,
                "listed": q["type"] in ("multiple", "ordering"),
                "ordered": q["type"] == "ordering",
                "answer": _answer_text(q, attempt.answers.get(q["id"])),
                "result": result,
            }
        )
    pass_mark = _pass_mark(course, activity)
    left = standing.left
    return render(
        request,
        "learning/quiz_result.html",
        {
            "course": course,
            "activity": activity,
            "attempt": attempt,
            "rows": rows,
            "pass_mark": pass_mark,
            "passed": pass_mark is None or attempt.score_percent >= pass_mark,
            "standing": standing,
            "attempts_left": left,
            "can_retry": left is None or left > 0,
            "out_of_attempts": left == 0 and not _passed(standing, pass_mark),
            "next_url": _next_url(course, _neighbours(course, activity)[1]),
        },
    )


@login_required(login_url=LOGIN)
@require_GET
def asset(request: HttpRequest, slug: str, version: int, path: str) -> HttpResponse:
    """An image of a lesson. The URL names the version, whose content never changes, so the
    browser may keep it for a year without asking again."""
    course = get_object_or_404(Course, slug=slug)
    if selectors.may_take(_user(request), course) is None:
        raise Http404
    found = selectors.course_asset(course, path, version_number=version)
    if found is None:
        raise Http404
    etag = f'"{found.sha256}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


# --- Staff: a cohort's progress ------------------------------------------------------------------

_LOWEST = (False, Decimal(0))


def _nullable(value: Any) -> tuple[bool, Any]:
    """Sort key where a missing value sorts lowest (first ascending, last descending)."""
    return _LOWEST if value is None else (True, value)


def _sort_keys(progress: selectors.CohortProgress) -> dict[str, Callable[[Any], Any]]:
    """Sort keys by column, over (index in the roster, enrollment, learner's progress)."""
    keys: dict[str, Callable[[Any], Any]] = {
        "name": lambda row: row[0],
        "percent": lambda row: row[2].percent_done,
        "lessons": lambda row: row[2].lessons_done,
        "completed": lambda row: _nullable(row[2].completed_at),
        "last": lambda row: _nullable(row[2].last_activity_at),
        "stuck": lambda row: row[2].stuck.position if row[2].stuck else 1_000_000,
    }
    for q in progress.quizzes:
        keys[f"quiz-{q.activity_id}"] = functools.partial(
            lambda quiz_id, row: _nullable(row[2].quiz_scores.get(quiz_id)), q.activity_id
        )
    return keys


def _progress(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The cohort (in the user's scope, else 404), its learners this user may see with their
    progress, sorted by ``?orden=`` (a column key, ``-`` first for descending; anything else
    is ignored)."""
    user = _user(request)
    if not user.works_with_cohorts:
        raise Http404
    cohort: Cohort = cohort_selectors.cohort_for_staff(
        user, pk, Cohort.objects.select_related("track")
    )
    enrollments = cohort_selectors.roster(cohort, user)
    progress = selectors.cohort_progress(cohort, [e.user for e in enrollments])
    order = request.GET.get("orden", "")[:80]
    rows: list[tuple[int, Enrollment, selectors.LearnerProgress]] = []
    columns: list[dict[str, Any]] = []
    legend: list[tuple[str, str]] = []
    if progress is not None:
        rows = [
            (i, e, p) for i, (e, p) in enumerate(zip(enrollments, progress.learners, strict=True))
        ]
        keys = _sort_keys(progress)
        key = order.removeprefix("-")
        if key in keys:
            rows.sort(key=keys[key], reverse=order.startswith("-"))
        else:
            order = ""
        current = order or "name"
        labels = {
            "name": _("Learner"),
            "percent": _("Progress"),
            "lessons": _("Lessons"),
            "completed": _("Completed"),
            "last": _("Last activity"),
            "stuck": _("Stuck at"),
        }
        for q_number, q in enumerate(progress.quizzes, start=1):
            labels[f"quiz-{q.activity_id}"] = quiz_label(q, q_number)
            legend.append((labels[f"quiz-{q.activity_id}"], q.title))
        order_of_columns = ["name", "percent", "lessons"]
        order_of_columns += [f"quiz-{q.activity_id}" for q in progress.quizzes]
        order_of_columns += ["completed", "last", "stuck"]
        for key in order_of_columns:
            sort = "ascending" if current == key else "descending" if current == f"-{key}" else ""
            columns.append(
                {
                    "key": key,
                    "label": labels[key],
                    "sort": sort,
                    "numeric": key in ("percent", "lessons") or key.startswith("quiz-"),
                    "href": f"?orden={'-' if sort == 'ascending' else ''}{key}",
                }
            )
    return {
        "cohort": cohort,
        "progress": progress,
        "rows": rows,
        "columns": columns,
        "order": order,
        "legend": legend,
        "stuck": selectors.progress_stuck(progress) if progress is not None else None,
        "any_out_of_attempts": any(p.out_of_attempts for _i, _e, p in rows),
    }


def quiz_label(quiz: Activity, number: int) -> str:
    """A short column heading for a quiz: Q1, Q2… and "Final"."""
    if quiz.kind == Activity.Kind.FINAL:
        return _("Final")
    return _("Q%(n)d") % {"n": number}


@login_required(login_url=STAFF_LOGIN)
@require_GET
def cohort_progress(request: HttpRequest, pk: int) -> HttpResponse:
    context = _progress(request, pk)
    return render(request, "learning/cohort_progress.html", context)


@login_required(login_url=LOGIN)
@require_POST
def cohort_attempt_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """One more attempt at a quiz for a learner of the cohort who used them all (the button
    in the progress table). The cohort and the learner are fetched in the user's scope, so
    anything outside it is a 404; the service checks the scope again and audits."""
    user = _user(request)
    if not user.works_with_cohorts:
        raise Http404
    cohort: Cohort = get_object_or_404(
        cohort_selectors.cohorts_visible(user).select_related("track"), pk=pk
    )
    enrollment_id = request.POST.get("inscripcion", "")
    enrollment = get_object_or_404(
        cohort_selectors.roster_visible(cohort, user).select_related("cohort"),
        pk=int(enrollment_id) if enrollment_id.isdigit() and len(enrollment_id) < 12 else 0,
    )
    course = selectors.track_courses(cohort.track).select_related("current_version").first()
    if course is None:
        raise Http404
    try:
        grant = services.quiz_attempt_grant(
            enrollment=enrollment,
            course=course,
            activity_id=request.POST.get("cuestionario", "")[:60],
            actor=Actor.of_user(user),
        )
    except LearningRefused as refused:
        if refused.status == 404:
            raise Http404(refused.message) from None
        messages.error(request, refused.message)
    else:
        activity = selectors.current_activity(course, grant.activity_id)
        messages.success(
            request,
            _("%(name)s can now make one more attempt at “%(quiz)s”.")
            % {
                "name": enrollment.application.full_name,
                "quiz": activity.title if activity else grant.activity_id,
            },
        )
    url = reverse("learning:cohort_progress", args=[cohort.pk])
    order = request.POST.get("orden", "")[:80]
    return redirect(f"{url}?{urlencode({'orden': order})}" if order else url)


def _when(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def _score(value: Decimal | None) -> str:
    """A percentage for a spreadsheet: a decimal point, no useless ".0" (66.7, 50)."""
    return "" if value is None else f"{value.normalize():f}"


@login_required(login_url=STAFF_LOGIN)
@require_GET
def cohort_progress_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress table as CSV: UTF-8 with a BOM and CRLF like the attendance roster, every
    text cell guarded against formulas (names come from a public form)."""
    context = _progress(request, pk)
    progress: selectors.CohortProgress | None = context["progress"]
    quizzes = progress.quizzes if progress is not None else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [_("Reference"), _("Learner"), _("Percent done"), _("Lessons done"), _("Lessons")]
    header += [q.title for q in quizzes]
    header += [_("Completed"), _("Last activity"), _("Stuck at")]
    writer.writerow([roster.guard_cell(h) for h in header])
    for _i, e, p in context["rows"]:
        writer.writerow(
            [
                roster.guard_cell(e.application.reference),
                roster.guard_cell(e.application.listed_name),
                _score(p.percent_done),
                p.lessons_done,
                p.lessons_total,
                *[_score(p.quiz_scores.get(q.activity_id)) for q in quizzes],
                _when(p.completed_at),
                _when(p.last_activity_at),
                roster.guard_cell(p.stuck.title) if p.stuck else "",
            ]
        )
    response = HttpResponse(
        roster.UTF8_BOM + out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    name = f"progreso-cohorte-{context['cohort'].pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
