"""Writes for learning: import a course folder, finish a lesson, submit a quiz, complete.

Locks, so that two requests at the same instant cannot break a rule:

* an import locks the course row, so the same content imported twice at once makes one
  version (the unique (course, content_hash) constraint backs it up);
* a learner's quiz submissions, finished lessons and completion lock the learner's
  enrollment row, so attempts are numbered 1, 2, 3 with no gap or double, never past
  ``max_attempts``, and a completion is written once (unique (user, course) backs it up).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yachay.accounts.models import User
from yachay.cohorts.models import Enrollment
from yachay.cohorts.selectors import attendance_figures, cohorts_visible, roster_visible
from yachay.core.actors import Actor
from yachay.core.compiled import Compiled
from yachay.core.services import audit_record
from yachay.learning import completion as rules_
from yachay.learning import course_format as cf
from yachay.learning import grading
from yachay.learning.completion import CompletionStatus, Missing, missing_text
from yachay.learning.models import (
    Activity,
    Completion,
    Course,
    CourseAsset,
    CourseVersion,
    LessonProgress,
    QuizAttempt,
    QuizAttemptGrant,
    quiz_to_json,
)
from yachay.learning.selectors import (
    CourseShape,
    completion_of,
    enrollment_track,
    lessons_done,
    may_take,
    quiz_best_scores,
    quiz_standing,
    shape_of,
    track_courses,
)
from yachay.learning.signals import enrollment_completed
from yachay.programs.models import Track

__all__ = [
    "AlreadySent",
    "CompletionStatus",
    "ImportReport",
    "LearningRefused",
    "Missing",
    "completion_evaluate",
    "completions_evaluate",
    "course_import",
    "lesson_complete",
    "missing_text",
    "quiz_attempt_grant",
    "quiz_submit",
]

CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


class LearningRefused(Exception):
    """A learner's action that cannot be done; ``message`` is translated, for the learner;
    ``status`` is the HTTP status a view or endpoint answers with (4xx); ``question`` the
    question id an ``invalid_answer`` is about (to show the message next to it), if known."""

    def __init__(self, code: str, message: str, status: int, question: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.question = code, message, status, question


class AlreadySent(Exception):
    """:func:`quiz_submit` with ``once_for``: that attempt is recorded already (a double tap,
    a reload that posts the form again); nothing more was recorded."""


# --- Import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    slug: str
    content_hash: str
    label: str  # course.yaml's version
    modules: int
    lessons: int
    quizzes: int  # the final included
    assets: int
    checked: bool = False  # --check: validated, nothing written
    unchanged: bool = False  # the content is the current version's: nothing written
    restored: bool = False  # the content is an older version's: made current again
    created_course: bool = False
    course: Course | None = None
    version: CourseVersion | None = None
    unknown_tracks: tuple[str, ...] = ()  # slugs in course.yaml no Track has
    tracks_changed: bool = False  # same content, but the Tracks with its slugs changed


def _read_assets(root: Path, loaded: cf.Course) -> list[tuple[str, bytes]]:
    """The bytes of every image a lesson shows. The loader checked each path (inside the
    folder, an image suffix, at most 1 MB); the size is checked again in case the file
    changed since."""
    paths = sorted({p for lesson in loaded.lessons() for p in lesson.images})
    out = []
    for path in paths:
        try:
            with (root / path).open("rb") as file:
                data = file.read(cf.MAX_FILE_BYTES + 1)
        except OSError as exc:
            message = f"cannot read the file: {exc.__class__.__name__}"
            raise cf.CourseErrors([cf.CourseError(path, 1, message)]) from None
        if len(data) > cf.MAX_FILE_BYTES:
            raise cf.CourseErrors([cf.CourseError(path, 1, "the file is larger than 1 MB")])
        out.append((path, data))
    return out


def _activities(version: CourseVersion, loaded: cf.Course) -> list[Activity]:
    rows: list[Activity] = []
    position = 0
    for m_position, module in enumerate(loaded.modules):
        for item in module.items:
            row = Activity(
                version=version,
                activity_id=item.id,
                module_id=module.id,
                module_title=module.title,
                module_position=m_position,
                position=position,
                title=item.title,
                source_path=item.source_path,
            )
            if isinstance(item, cf.Lesson):
                row.kind = Activity.Kind.LESSON
                row.minutes, row.html, row.images = item.minutes, item.html, list(item.images)
            else:
                row.kind = Activity.Kind.FINAL if item.kind == "final" else Activity.Kind.QUIZ
                row.quiz = quiz_to_json(item)
                row.max_attempts = item.max_attempts
                row.points_possible = item.points_possible()
            rows.append(row)
            position += 1
    return rows


def _link_tracks(course: Course, slugs: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """Link the course to every Track with one of these slugs (in any program). Returns the
    slugs no Track has, and whether the links changed."""
    tracks = list(Track.objects.filter(slug__in=slugs))
    before = set(course.tracks.values_list("pk", flat=True))
    after = {t.pk for t in tracks}
    if before != after:
        course.tracks.set(tracks)
    found = {t.slug for t in tracks}
    return tuple(s for s in slugs if s not in found), before != after


def course_import(*, path: Path, actor: Actor, check: bool = False) -> ImportReport:
    """Import the course folder at ``path``: all or nothing.

    Raises :class:`course_format.CourseErrors` (every problem, each with file and line)
    and writes nothing when the folder is not a valid course. With ``check``, validates
    only (no database access at all). Otherwise, in one transaction: creates the course if
    new; unless this content (by hash) is already a version of it, adds a version with its
    activities and images; makes that version current; links the course to the tracks named
    in course.yaml; writes an audit row. Content equal to the current version's changes
    nothing (``unchanged``); content equal to an older version's makes that version current
    again (``restored``).
    """
    path = Path(path)
    loaded = cf.load_course(path)
    root = path.parent if path.name == "course.yaml" and path.is_file() else path
    assets = _read_assets(root, loaded)
    base = ImportReport(
        slug=loaded.slug,
        content_hash=loaded.content_hash,
        label=loaded.version,
        modules=len(loaded.modules),
        lessons=len(loaded.lessons()),
        quizzes=len(loaded.quizzes()),
        assets=len(assets),
    )
    if check:
        return dataclasses.replace(base, checked=True)
    with transaction.atomic():
        course, created = _lock_course(loaded)
        unknown, relinked = _link_tracks(course, loaded.tracks)
        same = CourseVersion.objects.filter(course=course, content_hash=loaded.content_hash).first()
        if same is not None and relinked and not created:
            # Same content, but Tracks with its slugs were added or removed since.
            audit_record(
                actor=actor,
                action="course.link_tracks",
                obj=course,
                changes={"tracks": sorted(course.tracks.values_list("pk", flat=True))},
            )
        if same is not None:
            restored = course.current_version_id != same.pk
            if restored:
                before = course.current_version_id
                _describe(course, loaded)
                course.current_version = same
                course.save()
                audit_record(
                    actor=actor,
                    action="course.restore_version",
                    obj=course,
                    changes={"current_version": [before, same.pk], "number": same.number},
                )
            return dataclasses.replace(
                base,
                unchanged=not restored,
                restored=restored,
                course=course,
                version=same,
                unknown_tracks=unknown,
                tracks_changed=relinked,
            )
        last = CourseVersion.objects.filter(course=course).aggregate(n=Max("number"))["n"] or 0
        version = CourseVersion.objects.create(
            course=course,
            number=last + 1,
            label=loaded.version,
            content_hash=loaded.content_hash,
            rules=dataclasses.asdict(loaded.completion),
            imported_by=actor.user,
        )
        Activity.objects.bulk_create(_activities(version, loaded), batch_size=500)
        CourseAsset.objects.bulk_create(
            [
                CourseAsset(
                    version=version,
                    path=p,
                    sha256=hashlib.sha256(data).hexdigest(),
                    content_type=CONTENT_TYPES[Path(p).suffix.lower()],
                    size=len(data),
                    content=data,
                )
                for p, data in assets
            ],
            batch_size=50,
        )
        before = course.current_version_id
        _describe(course, loaded)
        course.current_version = version
        course.save()
        audit_record(
            actor=actor,
            action="course.import",
            obj=version,
            changes={
                "course": course.slug,
                "current_version": [before, version.pk],
                "number": version.number,
                "content_hash": loaded.content_hash,
                "activities": base.lessons + base.quizzes,
            },
        )
    return dataclasses.replace(
        base,
        created_course=created,
        course=course,
        version=version,
        unknown_tracks=unknown,
    )


def _describe(course: Course, loaded: cf.Course) -> None:
    """The course row says what course.yaml says (the current version's)."""
    course.title, course.language, course.summary = loaded.title, loaded.language, loaded.summary
    course.track_slugs = list(loaded.tracks)


def _lock_course(loaded: cf.Course) -> tuple[Course, bool]:
    """The course row, locked for this transaction; created if new."""
    course = Course.objects.select_for_update().filter(slug=loaded.slug).first()
    if course is not None:
        return course, False
    try:
        with transaction.atomic():
            course = Course.objects.create(
                slug=loaded.slug,
                title=loaded.title,
                language=loaded.language,
                summary=loaded.summary,
                track_slugs=list(loaded.tracks),
            )
    except IntegrityError:
        # Another import created it at the same moment: wait for it, then go on as an update.
        return Course.objects.select_for_update().get(slug=loaded.slug), False
    return course, True


# --- A learner's progress ------------------------------------------------------------------------


def _enrollment_or_refuse(user: User, course: Course) -> Enrollment:
    enrollment = may_take(user, course)
    if enrollment is None:
        raise LearningRefused(
            "not_enrolled", _("You are not enrolled in a track that takes this course."), 403
        )
    return enrollment


_locked = Compiled(lambda pk: Enrollment.objects.select_for_update().filter(pk=pk))


def _lock(enrollment: Enrollment) -> Enrollment:
    """The enrollment, locked until the end of the transaction: one learner's writes in a
    course happen one after another."""
    found = _locked(pk=enrollment.pk)
    if not found:
        raise Enrollment.DoesNotExist
    return found[0]


_lessons_done = Compiled(
    lambda user_id, course_id: LessonProgress.objects.filter(user_id=user_id, course_id=course_id)
)


def _current_activity(course: Course, activity_id: object, kinds: tuple[str, ...]) -> Activity:
    """The activity of the course's current version (from the process's shape of the course
    when it holds that version: no query), of one of ``kinds``; else refused, 404."""
    activity = None
    if isinstance(activity_id, str) and course.current_version_id is not None:
        shape = shape_of(course)
        if shape is not None:
            activity = shape.activity(activity_id)
            activity = activity if activity is not None and activity.kind in kinds else None
        else:
            activity = Activity.objects.filter(
                version_id=course.current_version_id, activity_id=activity_id, kind__in=kinds
            ).first()
    if activity is None:
        if kinds == (Activity.Kind.LESSON,):
            message = _("This course has no such lesson.")
        else:
            message = _("This course has no such quiz.")
        raise LearningRefused("not_found", message, 404)
    return activity


@transaction.atomic
def lesson_complete(
    *,
    user: User,
    course: Course,
    activity_id: str,
    actor: Actor,
    enrollment: Enrollment | None = None,
) -> LessonProgress:
    """Record that the learner finished a lesson of the course's current version.

    Idempotent: finishing it again returns the first record and writes nothing. Evaluates
    completion when something changed. ``enrollment``: the one through which the user takes
    the course, when the caller has just looked it up (:func:`selectors.taking`); else it is
    looked up here.
    """
    enrollment = enrollment or _enrollment_or_refuse(user, course)
    activity = _current_activity(course, activity_id, (Activity.Kind.LESSON,))
    _lock(enrollment)
    # One read for both: whether this lesson is done already, and what completion needs.
    done = {p.activity_id: p for p in _lessons_done(user_id=user.pk, course_id=course.pk)}
    if activity.activity_id in done:
        return done[activity.activity_id]
    progress = LessonProgress.objects.create(
        user=user, course=course, activity_id=activity.activity_id
    )
    audit_record(
        actor=actor,
        action="lesson.complete",
        obj=progress,
        changes={"course": course.slug, "lesson": activity.activity_id},
    )
    _evaluate(
        user=user,
        course=course,
        enrollment=enrollment,
        actor=actor,
        done_lessons={*done, activity.activity_id},
        explain=False,
    )
    return progress


def _invalid_answer_message(code: str) -> str:
    """The learner's message for a grading.InvalidAnswer code, translated (grading.MESSAGES
    holds the same texts, untranslated: a pure module does not know the language)."""
    messages = {
        "unknown_question": _("This quiz has no such question."),
        "wrong_type": _("This answer does not fit the question."),
        "unknown_option": _("This answer names an option the question does not have."),
        "duplicate_option": _("This answer names the same option more than once."),
        "not_a_permutation": _("Put every item in order, each exactly once."),
        "not_a_number": _("Write a number, for example 12.5 or 12,5."),
        "too_long": _("This answer is too long (at most %(n)d characters).")
        % {"n": cf.MAX_ANSWER_LENGTH},
    }
    return messages.get(code) or _("This answer does not fit the question.")


def _stored_answers(answers: Mapping[str, object]) -> dict[str, object]:
    """The answers as JSON (sets as sorted lists, tuples as lists), only answered ones."""
    out: dict[str, object] = {}
    for key, value in answers.items():
        if value is None:
            continue
        if isinstance(value, set | frozenset):
            value = sorted(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


def _results(result: grading.QuizResult) -> dict[str, dict[str, object]]:
    return {
        qid: {
            "correct": r.correct,
            "points": r.points_earned,
            "points_possible": r.points_possible,
            "answered": r.answered,
            "feedback": list(r.feedback),
            "explanation": r.explanation,
        }
        for qid, r in result.results.items()
    }


def unanswered_questions(activity: Activity, answers: Mapping[str, object]) -> list[str]:
    """The ids of the quiz's questions that ``answers`` leaves without an answer (missing,
    None, blank text or an empty list), in quiz order."""

    if not isinstance(answers, Mapping):
        return []  # the grader refuses it as wrong_type
    return [q.id for q in activity.as_quiz().questions if _blank(answers.get(q.id))]


def _blank(value: object) -> bool:
    """No answer: None, blank text, an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset):
        return not value
    return False


def unanswered_message(n: int) -> str:
    return ngettext(
        "Answer every question before sending: %(n)d question has no answer yet. "
        "Nothing was recorded.",
        "Answer every question before sending: %(n)d questions have no answer yet. "
        "Nothing was recorded.",
        n,
    ) % {"n": n}


def _attempts(user: User, course: Course, activity: Activity) -> tuple[int, int]:
    """(attempts used, attempts allowed: 0 for no limit) at a quiz; call under the lock.
    One query."""
    standing = quiz_standing(user, course, activity)
    return standing.used, standing.allowed


def quiz_submit(
    *,
    user: User,
    course: Course,
    activity_id: str,
    answers: Mapping[str, object],
    actor: Actor,
    enrollment: Enrollment | None = None,
    once_for: int | None = None,
) -> QuizAttempt:
    """Grade and record one attempt at a quiz (or the final) of the course's current version.

    Refused with :class:`LearningRefused`, recording nothing: 403 ``not_enrolled`` (the
    learner may not take the course), 404 ``not_found`` (no such quiz in the current
    version), 409 ``no_attempts_left`` (``max_attempts`` reached; 0 = unlimited), 422
    ``invalid_answer`` (an answer the page cannot have sent: see :class:`grading.InvalidAnswer`;
    ``message`` says what, in the learner's language), 422 ``unanswered`` (a question left
    without an answer: every question must be answered, so that a slip of the finger cannot
    spend an attempt and show the answers; ``question`` is the first such). Attempts of one
    learner are numbered under a lock on their enrollment, so simultaneous submits get
    distinct numbers and never exceed the limit (``max_attempts`` plus the attempts granted
    by :func:`quiz_attempt_grant`). Evaluates completion afterwards.

    ``enrollment``: as for :func:`lesson_complete`. ``once_for``: the number of the attempt the
    learner's form was shown for; when that attempt is recorded already (a double tap, a
    reload that posts the form again), raises :class:`AlreadySent` and records nothing —
    decided under the same lock, so two copies sent at once record one attempt.
    """
    enrollment = enrollment or _enrollment_or_refuse(user, course)
    activity = _current_activity(course, activity_id, (Activity.Kind.QUIZ, Activity.Kind.FINAL))
    if isinstance(answers, Mapping):  # a blank answer is no answer (refused below)
        answers = {k: v for k, v in answers.items() if not _blank(v)}
    try:
        result = grading.grade_quiz(activity.as_quiz(), answers)
        stored = _stored_answers(answers)
        json.dumps(stored, allow_nan=False)
    except grading.InvalidAnswer as invalid:
        message = _invalid_answer_message(invalid.code)
        raise LearningRefused("invalid_answer", message, 422, invalid.question_id) from None
    except (TypeError, ValueError):
        # Something JSON cannot hold (a 5,000-digit number): not an answer a page sends.
        raise LearningRefused(
            "invalid_answer", _invalid_answer_message("wrong_type"), 422
        ) from None
    unanswered = unanswered_questions(activity, answers)
    if unanswered:
        raise LearningRefused("unanswered", unanswered_message(len(unanswered)), 422, unanswered[0])
    with transaction.atomic():
        _lock(enrollment)
        used, allowed = _attempts(user, course, activity)
        if once_for is not None and once_for <= used:
            raise AlreadySent
        if allowed and used >= allowed:
            raise LearningRefused(
                "no_attempts_left",
                ngettext(
                    "You have used your %(n)d attempt at this quiz.",
                    "You have used all %(n)d attempts at this quiz.",
                    allowed,
                )
                % {"n": allowed}
                + " "
                + _("Ask your instructor for another attempt."),
                409,
            )
        attempt = QuizAttempt.objects.create(
            user=user,
            course=course,
            version_id=activity.version_id,
            activity_id=activity.activity_id,
            number=used + 1,
            answers=stored,
            results=_results(result),
            score_percent=Decimal(str(result.score_percent)),
        )
        audit_record(
            actor=actor,
            action="quiz.submit",
            obj=attempt,
            changes={
                "course": course.slug,
                "quiz": activity.activity_id,
                "number": attempt.number,
                "score": str(attempt.score_percent),
            },
        )
        _evaluate(user=user, course=course, enrollment=enrollment, actor=actor, explain=False)
    return attempt


def quiz_attempt_grant(
    *, enrollment: Enrollment, course: Course, activity_id: str, actor: Actor
) -> QuizAttemptGrant:
    """Give a learner one more attempt at a quiz whose attempts they have all used.

    ``actor`` must be a user who sees the learner on their cohort's roster: one of the
    cohort's instructors, a coordinator of the learner's department, or a program admin;
    anyone else is refused as ``not_found`` (404: the learner is not theirs to know). Refused
    with :class:`LearningRefused`, writing nothing: 404 ``not_found`` (no such quiz in the
    course of the learner's track), 409 ``unlimited`` (the quiz has no attempt limit), 409
    ``attempts_left`` (the learner still has an attempt: a second press of the button gives
    nothing more). Under the lock on the enrollment that :func:`quiz_submit` takes. Audited.
    """
    staff = actor.user
    if (
        staff is None
        or not staff.works_with_cohorts
        or enrollment.cohort_id is None
        or not cohorts_visible(staff).filter(pk=enrollment.cohort_id).exists()
        or enrollment.cohort is None  # not after the cohort_id test; this tells mypy
        or not roster_visible(enrollment.cohort, staff).filter(pk=enrollment.pk).exists()
    ):
        raise LearningRefused("not_found", _("This learner is not in one of your cohorts."), 404)
    cohort = enrollment.cohort
    assert cohort is not None
    if not track_courses(cohort.track).filter(pk=course.pk).exists():
        raise LearningRefused("not_found", _("This course has no such quiz."), 404)
    activity = _current_activity(course, activity_id, (Activity.Kind.QUIZ, Activity.Kind.FINAL))
    if not activity.max_attempts:
        raise LearningRefused(
            "unlimited", _("This quiz has no limit of attempts: nothing to give."), 409
        )
    learner = enrollment.user
    with transaction.atomic():
        _lock(enrollment)
        used, allowed = _attempts(learner, course, activity)
        if used < allowed:
            raise LearningRefused(
                "attempts_left",
                ngettext(
                    "%(name)s still has %(n)d attempt left at “%(quiz)s”.",
                    "%(name)s still has %(n)d attempts left at “%(quiz)s”.",
                    allowed - used,
                )
                % {
                    "name": enrollment.application.full_name,
                    "n": allowed - used,
                    "quiz": activity.title,
                },
                409,
            )
        grant = QuizAttemptGrant.objects.create(
            user=learner, course=course, activity_id=activity.activity_id, granted_by=staff
        )
        audit_record(
            actor=actor,
            action="quiz.grant_attempt",
            obj=grant,
            changes={
                "learner": learner.pk,
                "course": course.slug,
                "quiz": activity.activity_id,
                "attempts_allowed": [allowed, allowed + 1],
            },
        )
    return grant


# --- Completion ---------------------------------------------------------------------------------


@transaction.atomic
def completion_evaluate(*, user: User, course: Course, actor: Actor) -> CompletionStatus:
    """Whether the learner has completed the course, and what they still lack.

    Reads the current version's rules (see :mod:`yachay.learning.completion`). When every
    rule holds and there is no Completion yet, writes one (audited) and, once every course
    of the learner's track is completed, sets their enrollment to completed (audited).
    A Completion, once written, stands: later content does not revoke it. Call it after
    anything that can change the answer (lessons, quizzes, attendance).
    """
    return _evaluate(user=user, course=course, enrollment=may_take(user, course), actor=actor)


def _evaluate(
    *,
    user: User,
    course: Course,
    enrollment: Enrollment | None,
    actor: Actor,
    done_lessons: set[str] | None = None,
    explain: bool = True,
) -> CompletionStatus:
    """:func:`completion_evaluate` with the enrollment through which the learner takes the
    course already found (by ``may_take``): lessons and quizzes have just looked it up.
    ``done_lessons``: the learner's finished lessons when the caller has just read them.
    Without ``explain`` (a lesson or quiz just recorded, whose caller only needs a completion
    written when due) attendance is not counted while lessons or quizzes are still missing."""
    existing = next(iter(completion_of(user_id=user.pk, course_id=course.pk)), None)
    if existing is not None:
        return CompletionStatus(complete=True, completion=existing)
    if course.current_version_id is None:
        return CompletionStatus(complete=False)
    if enrollment is None:
        return CompletionStatus(complete=False, missing=[Missing("enrollment")])
    shape: CourseShape | None = shape_of(course)
    if shape is not None:
        version = shape.version
        activities = [rules_.ActivityInfo(a.activity_id, a.kind, a.title) for a in shape.activities]
    else:
        version = CourseVersion.objects.get(pk=course.current_version_id)
        activities = [
            rules_.ActivityInfo(a.activity_id, a.kind, a.title)
            for a in Activity.objects.filter(version=version)
            .order_by("position")
            .only("activity_id", "kind", "title")
        ]
    rules = version.completion_rules
    if done_lessons is None:
        done_lessons = {a for a, _when in lessons_done(user_id=user.pk, course_id=course.pk)}
    best = quiz_best_scores(user, course)
    counts_attendance = (
        rules.attendance_min_percent is not None and enrollment.cohort_id is not None
    )
    if counts_attendance and not explain:
        missing = rules_.evaluate(rules, activities, done_lessons, best, None)
        if any(m.kind not in ("attendance", "cohort") for m in missing):
            return CompletionStatus(complete=False, missing=missing)
    attendance = None
    if counts_attendance:
        figures = attendance_figures(enrollment)
        attendance = rules_.AttendanceInfo(True, figures.attended, figures.total)
    missing = rules_.evaluate(rules, activities, done_lessons, best, attendance)
    if missing:
        return CompletionStatus(complete=False, missing=missing)

    enrollment = _lock(enrollment)
    existing = Completion.objects.filter(user=user, course=course).first()
    if existing is not None:  # written while we waited for the lock
        return CompletionStatus(complete=True, completion=existing)
    details: dict[str, object] = {
        "version": version.number,
        "rules": version.rules,
        "best_scores": {k: str(v) for k, v in best.items()},
        "lessons_done": len(done_lessons & {a.activity_id for a in activities}),
    }
    if attendance is not None:
        details["attendance"] = {"attended": attendance.attended, "total": attendance.total}
    try:
        with transaction.atomic():
            done = Completion.objects.create(
                user=user, course=course, version=version, details=details
            )
    except IntegrityError:
        return CompletionStatus(
            complete=True, completion=Completion.objects.get(user=user, course=course)
        )
    audit_record(
        actor=actor,
        action="completion.create",
        obj=done,
        changes={"course": course.slug, "version": version.number},
    )
    _complete_enrollment(enrollment, user, actor)
    return CompletionStatus(complete=True, completion=done)


def _complete_enrollment(enrollment: Enrollment, user: User, actor: Actor) -> None:
    """Set the enrollment completed once the learner completed every course of its track."""
    if enrollment.status == Enrollment.Status.COMPLETED:
        return
    track = enrollment_track(enrollment)
    if track is None:  # pragma: no cover - may_take found a track for it
        return
    courses = Course.objects.filter(tracks=track, current_version__isnull=False)
    if Completion.objects.filter(user=user, course__in=courses).count() < courses.count():
        return
    before = enrollment.status
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.status_changed_at = timezone.now()
    enrollment.save(update_fields=["status", "status_changed_at"])
    audit_record(
        actor=actor,
        action="enrollment.complete",
        obj=enrollment,
        changes={"status": [before, enrollment.status]},
    )
    enrollment_id = enrollment.pk
    transaction.on_commit(
        lambda: enrollment_completed.send(sender=Enrollment, enrollment_id=enrollment_id)
    )


def completions_evaluate(*, enrollment: Enrollment, actor: Actor) -> list[CompletionStatus]:
    """Evaluate completion of every course of an enrollment's track: for the cohorts code,
    after attendance changes."""
    track = enrollment_track(enrollment)
    if track is None:
        return []
    return [
        completion_evaluate(user=enrollment.user, course=course, actor=actor)
        for course in Course.objects.filter(tracks=track, current_version__isnull=False)
    ]
