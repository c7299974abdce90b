"""Learning in the API: the courses a user may take, a course's outline (never its answers),
the user's own progress, and quiz attempts.

Signed-in browsers and apps use the Django session (with its CSRF token for POST); other
systems use an API key that acts as a user. Everything is the acting user's own: there is
no learner id in any path, so no one else's progress can be asked for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from yachay.accounts.api_auth import acting_user, user_auth
from yachay.core.actors import Actor
from yachay.intake.schemas import Detail, Errors
from yachay.learning import completion as rules_
from yachay.learning import selectors, services
from yachay.learning.models import Course
from yachay.learning.services import LearningRefused

router = Router(auth=user_auth(), tags=["learning"])

Kind = Literal["lesson", "quiz", "final"]
Answer = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr] | None


class Refusal(Schema):
    detail: str
    code: str = Field(
        "", description="not_enrolled, not_found, no_attempts_left, invalid_answer, unanswered"
    )
    question: str = Field(
        "",
        description="the question an invalid_answer is about, if known; for unanswered, "
        "the first question without an answer",
    )


class CourseOut(Schema):
    slug: str
    title: str
    language: str
    summary: str
    version: str = Field(description="the current version's label, as course.yaml says it")


class ActivityOut(Schema):
    id: str
    kind: Kind
    title: str
    minutes: int | None = Field(None, description="lessons: estimated reading time")


class ModuleOut(Schema):
    id: str
    title: str
    activities: list[ActivityOut]


class OutlineOut(Schema):
    course: CourseOut
    modules: list[ModuleOut]


class ActivityProgressOut(Schema):
    id: str
    kind: Kind
    title: str
    done: bool = Field(description="lesson read; quiz passed (or taken, without a pass mark)")
    best_score: float | None = Field(None, description="quizzes: best attempt, in percent")
    attempts_used: int
    attempts_left: int | None = Field(
        None,
        description="None: no limit (and for lessons); extra attempts an instructor gave count",
    )
    pass_mark: int | None = None
    last_at: dt.datetime | None = None


class MissingOut(Schema):
    kind: Literal["lesson", "quiz", "final", "attendance", "cohort", "enrollment"]
    activity_id: str = ""
    title: str = ""
    have: float | None = None
    need: float | None = None


class ProgressOut(Schema):
    course: str
    percent_done: float = Field(description="one decimal: 4 of 6 activities is 66.7")
    done: int
    total: int
    next_activity: str | None = Field(None, description="where to continue; None: all done")
    completed: bool
    completed_at: dt.datetime | None = None
    missing: list[MissingOut] = Field(description="what the learner still lacks to complete")
    missing_text: str = Field(description="the same in words, in the request's language")
    activities: list[ActivityProgressOut]


class AttemptIn(Schema):
    answers: dict[str, Answer] = Field(
        description=(
            "question id -> answer: single: an option id; multiple: a list of option ids; "
            'true_false: true or false; numeric: a number or a string such as "12,5"; '
            "text: a string; ordering: every item id, in order. Every question must be "
            "answered: an attempt that leaves one out (or blank) is refused with 422 "
            "unanswered, recording nothing and using no attempt."
        )
    )


class QuestionResultOut(Schema):
    correct: bool
    points: float
    points_possible: int
    answered: bool
    feedback: list[str] = Field(description="the feedback of the option(s) chosen")
    explanation: str


class AttemptOut(Schema):
    quiz: str
    number: int = Field(description="1 for the learner's first attempt at this quiz, and so on")
    score_percent: float
    pass_mark: int | None
    passed: bool
    attempts_left: int | None = Field(None, description="None: no limit")
    submitted_at: dt.datetime
    results: dict[str, QuestionResultOut]


def _course(slug: str) -> Course | None:
    return (
        Course.objects.select_related("current_version")
        .filter(slug=slug, current_version__isnull=False)
        .first()
    )


def _course_out(course: Course) -> dict[str, Any]:
    return {
        "slug": course.slug,
        "title": course.title,
        "language": course.language,
        "summary": course.summary,
        "version": course.current_version.label if course.current_version else "",
    }


def _not_found() -> Status:
    return Status(404, {"detail": _("No such course.")})


def _not_enrolled() -> Status:
    return Status(
        403,
        {
            "detail": _("You are not enrolled in a track that takes this course."),
            "code": "not_enrolled",
        },
    )


@router.get(
    "/courses",
    response={200: list[CourseOut], 403: Detail},
    summary="The courses I may take",
)
def course_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    return [_course_out(c) for c in selectors.courses_for(user).select_related("current_version")]


@router.get(
    "/courses/{slug}/outline",
    response={200: OutlineOut, 403: Refusal, 404: Detail},
    summary="A course's modules and activities (no answers)",
)
def course_outline(request: HttpRequest, slug: str) -> Any:
    user = acting_user(request)
    course = _course(slug)
    if course is None:
        return _not_found()
    if selectors.may_take(user, course) is None:
        return _not_enrolled()
    outline = selectors.learner_outline(user, course)
    assert outline is not None  # a current version exists
    return {
        "course": _course_out(course),
        "modules": [
            {
                "id": m.id,
                "title": m.title,
                "activities": [
                    {"id": a.activity_id, "kind": a.kind, "title": a.title, "minutes": a.minutes}
                    for a in m.activities
                ],
            }
            for m in outline.modules
        ],
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@router.get(
    "/courses/{slug}/progress",
    response={200: ProgressOut, 403: Refusal, 404: Detail},
    summary="My progress in a course",
)
def course_progress(request: HttpRequest, slug: str) -> Any:
    user = acting_user(request)
    course = _course(slug)
    if course is None:
        return _not_found()
    enrollment = selectors.may_take(user, course)
    if enrollment is None:
        return _not_enrolled()
    outline = selectors.learner_outline(user, course)
    assert outline is not None
    status = selectors.completion_status(outline, enrollment)
    return {
        "course": course.slug,
        "percent_done": float(outline.percent_done),
        "done": outline.done,
        "total": outline.total,
        "next_activity": outline.next.activity_id if outline.next else None,
        "completed": status.complete,
        "completed_at": status.completion.completed_at if status.completion else None,
        "missing": [
            {
                "kind": m.kind,
                "activity_id": m.activity_id,
                "title": m.title,
                "have": _number(m.have),
                "need": _number(m.need),
            }
            for m in status.missing
        ],
        "missing_text": rules_.missing_text(status),
        "activities": [
            {
                "id": a.activity_id,
                "kind": a.kind,
                "title": a.title,
                "done": a.done,
                "best_score": _number(a.best_score),
                "attempts_used": a.attempts_used,
                "attempts_left": a.attempts_left,
                "pass_mark": a.pass_mark,
                "last_at": a.last_at,
            }
            for a in outline.activities
        ],
    }


@router.post(
    "/courses/{slug}/quizzes/{activity_id}/attempts",
    response={
        201: AttemptOut,
        400: Errors,
        403: Refusal,
        404: Refusal | Detail,
        409: Refusal,
        422: Refusal | Errors,
    },
    summary="Submit an attempt at a quiz; answers the graded attempt",
)
def quiz_attempt(request: HttpRequest, slug: str, activity_id: str, payload: AttemptIn) -> Status:
    user = acting_user(request)
    course = _course(slug)
    if course is None:
        return _not_found()
    try:
        attempt = services.quiz_submit(
            user=user,
            course=course,
            activity_id=activity_id,
            answers=payload.answers,
            actor=Actor.of_user(user),
        )
    except LearningRefused as refused:
        return Status(
            refused.status,
            {"detail": refused.message, "code": refused.code, "question": refused.question},
        )
    rules = course.current_version.completion_rules if course.current_version else None
    activity = selectors.current_activity(course, attempt.activity_id)
    kind = activity.kind if activity else "quiz"
    pass_mark = rules_.pass_mark(rules, kind) if rules else None
    allowed = selectors.quiz_standing(user, course, activity).allowed if activity else 0
    return Status(
        201,
        {
            "quiz": attempt.activity_id,
            "number": attempt.number,
            "score_percent": float(attempt.score_percent),
            "pass_mark": pass_mark,
            "passed": pass_mark is None or attempt.score_percent >= pass_mark,
            "attempts_left": max(allowed - attempt.number, 0) if allowed else None,
            "submitted_at": attempt.submitted_at,
            "results": attempt.results,
        },
    )
