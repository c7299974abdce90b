"""Reads of engagement: a person's messages for staff, counts, and the hold-out comparison."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.http import Http404
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.cohorts.models import Attendance, Enrollment
from yachay.cohorts.selectors import cohorts_visible
from yachay.engagement.holdout import Comparison
from yachay.engagement.models import Message, RiskAction, RiskModel, RiskScore
from yachay.intake.models import Application
from yachay.learning.models import LessonProgress, QuizAttempt

NUDGED = (Message.Status.SENT, Message.Status.DELIVERED, Message.Status.READ)
CAME_BACK_WITHIN = dt.timedelta(days=7)


def person_for_staff(user: User, application_id: int) -> Application:
    """The person (application) if this staff member may see them: program admins all;
    coordinators the people of their departments and of cohorts they follow; instructors
    the learners of their cohorts. Outside the scope: 403 in words; unknown: 404."""
    if not user.works_with_cohorts:
        raise Http404
    person = Application.objects.filter(pk=application_id).select_related("call__program").first()
    if person is None:
        raise Http404
    if user.is_program_admin:
        return person
    if user.is_coordinator and person.department in (user.departments or []):
        return person
    if Enrollment.objects.filter(
        application_id=application_id, cohort__in=cohorts_visible(user)
    ).exists():
        return person
    raise PermissionDenied


def messages_of(person: Application) -> list[Message]:
    return list(Message.objects.filter(application=person).order_by("-created_at", "-id")[:200])


def counts_by_rule() -> dict[str, dict[str, int]]:
    """rule → status → how many (one query)."""
    out: dict[str, dict[str, int]] = {}
    for rule, status, n in (
        Message.objects.values_list("rule", "status").annotate(n=Count("id")).order_by()
    ):
        out.setdefault(rule, {})[status] = n
    return out


def suppressed_by_reason(rule: str) -> dict[str, int]:
    return dict(
        Message.objects.filter(rule=rule, status=Message.Status.SUPPRESSED)
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("reason", "n")
    )


def came_back(rule: str, *, now: dt.datetime | None = None) -> Comparison:
    """Nudged vs held out of ``rule``, among messages made at least 7 days ago: how many of
    each came back (a lesson, an attempt or attendance) within 7 days. One query."""
    now = now or timezone.now()
    until = ExpressionWrapper(F("created_at") + CAME_BACK_WITHIN, output_field=DateTimeField())
    outer_user, outer_at = OuterRef("user_id"), OuterRef("created_at")
    lesson = LessonProgress.objects.filter(
        user=outer_user, completed_at__gt=outer_at, completed_at__lte=OuterRef("until")
    )
    attempt = QuizAttempt.objects.filter(
        user=outer_user, submitted_at__gt=outer_at, submitted_at__lte=OuterRef("until")
    )
    attended = Attendance.objects.filter(
        enrollment__user=outer_user,
        status__in=Attendance.ATTENDED,
        session__starts_at__gt=outer_at,
        session__starts_at__lte=OuterRef("until"),
    )
    rows = (
        Message.objects.filter(
            rule=rule,
            status__in=(*NUDGED, Message.Status.HELD_OUT),
            created_at__lte=now - CAME_BACK_WITHIN,
            user__isnull=False,
        )
        .annotate(until=until)
        .annotate(back=Exists(lesson) | Exists(attempt) | Exists(attended))
        .aggregate(
            nudged=Count("id", filter=Q(status__in=NUDGED)),
            nudged_back=Count("id", filter=Q(status__in=NUDGED, back=True)),
            held=Count("id", filter=Q(status=Message.Status.HELD_OUT)),
            held_back=Count("id", filter=Q(status=Message.Status.HELD_OUT, back=True)),
        )
    )
    return Comparison(**{k: int(v or 0) for k, v in rows.items()})


@dataclass(frozen=True)
class RuleFigures:
    comparison: Comparison
    suppressed: dict[str, int]


# --- the at-risk signal -------------------------------------------------------------------

RISK_LIST_LIMIT = 300
BAND_ORDER = {"high": 0, "medium": 1, "low": 2}


def risk_enrollments_visible(user: User) -> QuerySet[Enrollment]:
    """Active learners this staff member may follow: program admins all; coordinators the
    learners of their departments (by where they live, or where their cohort meets);
    instructors the learners of their cohorts; anyone else nobody."""
    qs = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_program_admin:
        return qs
    if user.role == Role.INSTRUCTOR:
        return qs.filter(cohort__instructors=user)
    if user.role == Role.COORDINATOR:
        deps = user.departments or []
        return qs.filter(Q(cohort__department__in=deps) | Q(application__department__in=deps))
    return qs.none()


def risk_week() -> dt.date | None:
    """The latest week scored."""
    return RiskScore.objects.aggregate(week=Max("week"))["week"]


def risk_at_risk(user: User, *, band: str = "") -> tuple[list[RiskScore], int]:
    """This week's learners at risk (high or medium band, only ``band``, or everyone scored
    with ``"all"``) in the user's
    scope, highest first, at most ``RISK_LIST_LIMIT``; and how many in all. Three queries
    whatever the number of rows."""
    week = risk_week()
    if week is None:
        return [], 0
    bands = (
        [band]
        if band in ("high", "medium")
        else ["high", "medium", "low"]
        if band == "all"
        else ["high", "medium"]
    )
    qs = RiskScore.objects.filter(
        week=week,
        band__in=bands,
        enrollment__in=risk_enrollments_visible(user),
    )
    total = qs.count()
    rows = list(
        qs.select_related("enrollment__application", "enrollment__cohort", "model").order_by(
            Case(When(band="high", then=0), When(band="medium", then=1), default=2),
            F("probability").desc(nulls_last=True),
            F("points").desc(nulls_last=True),
            "enrollment_id",
        )[:RISK_LIST_LIMIT]
    )
    return rows, total


def risk_enrollment_for_staff(user: User, enrollment_id: int) -> Enrollment:
    """An active learner the user may act on: not found (404) for unknown ids and for people
    who are not staff; refused (403) for staff outside their scope."""
    if not user.works_with_cohorts:
        raise Http404
    found = (
        risk_enrollments_visible(user)
        .select_related("application", "cohort")
        .filter(pk=enrollment_id)
        .first()
    )
    if found is not None:
        return found
    if Enrollment.objects.filter(pk=enrollment_id).exists():
        raise PermissionDenied
    raise Http404


def risk_actions_of(person: Application) -> list[RiskAction]:
    return list(
        RiskAction.objects.filter(enrollment__application=person)
        .select_related("actor")
        .order_by("-created_at", "-id")[:100]
    )


def risk_score_of(person: Application) -> RiskScore | None:
    return (
        RiskScore.objects.filter(enrollment__application=person)
        .select_related("model")
        .order_by("-week")
        .first()
    )


def risk_models_latest() -> list[RiskModel]:
    """Each program's latest trained version, with its program."""
    latest = (
        RiskModel.objects.filter(program_id=OuterRef("program_id"))
        .order_by("-trained_at", "-id")
        .values("pk")[:1]
    )
    return list(
        RiskModel.objects.filter(pk=Subquery(latest))
        .select_related("program")
        .order_by("program__name")
    )


def risk_model_history(limit: int = 20) -> list[RiskModel]:
    return list(RiskModel.objects.select_related("program").order_by("-trained_at", "-id")[:limit])
