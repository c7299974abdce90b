"""Reads of engagement: a person's messages for staff, counts, and the hold-out comparison."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts.models import Attendance, Enrollment
from yachay.cohorts.selectors import cohorts_visible
from yachay.engagement.holdout import Comparison
from yachay.engagement.models import Message
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
