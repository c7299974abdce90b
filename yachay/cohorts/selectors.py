"""Reads for cohorts: who may see which cohort, rosters with attendance, a learner's cohort.

Scopes are object-level: every view and endpoint fetches a cohort or a session through
:func:`cohorts_visible` / :func:`sessions_visible`, so a guessed id outside the user's scope
is never shown. The staff pages say so (403, :func:`cohort_for_staff`); the API and
learners get not found (404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session


def cohorts_visible(user: User) -> QuerySet[Cohort]:
    """Program admins: every cohort. Instructors: the cohorts they teach. Coordinators: the
    cohorts held in their departments, and virtual cohorts with learners from them."""
    qs = Cohort.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_program_admin:
        return qs
    if user.role == Role.INSTRUCTOR:
        return qs.filter(instructors=user)
    if user.role == Role.COORDINATOR:
        deps = user.departments or []
        ids = Enrollment.objects.filter(application__department__in=deps).values("cohort_id")
        return qs.filter(Q(department__in=deps) | Q(pk__in=ids))
    return qs.none()


def cohort_for_staff(user: User, pk: int, qs: QuerySet[Cohort] | None = None) -> Cohort:
    """The cohort ``pk`` if this user may see it. Staff asking for a cohort outside their
    scope (another department, another instructor's class) are refused (403) in words; anyone
    else, and any id that does not exist, is not found (404)."""
    cohort = (qs if qs is not None else Cohort.objects.all()).filter(
        pk__in=cohorts_visible(user).values("pk")
    )
    found = cohort.filter(pk=pk).first()
    if found is not None:
        return found
    if user.is_authenticated and user.works_with_cohorts and Cohort.objects.filter(pk=pk).exists():
        raise PermissionDenied
    raise Http404


def sessions_visible(user: User) -> QuerySet[Session]:
    return Session.objects.filter(cohort__in=cohorts_visible(user))


def sessions_live(cohorts: Iterable[Cohort], now: dt.datetime) -> QuerySet[Session]:
    """The sessions of these cohorts whose check-in is open at ``now`` (from a few minutes
    before the start to a few after the end): the ones to show the code of."""
    return Session.objects.filter(
        cohort__in=list(cohorts),
        starts_at__lte=now + dt.timedelta(minutes=settings.YACHAY_CHECKIN_OPENS_MINUTES),
        ends_at__gte=now - dt.timedelta(minutes=settings.YACHAY_CHECKIN_GRACE_MINUTES),
    ).order_by("starts_at")


def session_for_staff(user: User, pk: int) -> Session:
    """The session ``pk`` with its cohort, refused (403) or not found (404) as
    :func:`cohort_for_staff` says."""
    found = sessions_visible(user).select_related("cohort").filter(pk=pk).first()
    if found is not None:
        return found
    if user.is_authenticated and user.works_with_cohorts and Session.objects.filter(pk=pk).exists():
        raise PermissionDenied
    raise Http404


def can_mark(user: User, cohort: Cohort) -> bool:
    """Who takes attendance: the cohort's instructors and program admins (coordinators read)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_program_admin or cohort.instructors.filter(pk=user.pk).exists()


def roster_visible(cohort: Cohort, user: User) -> QuerySet[Enrollment]:
    """The cohort's learners this user may see, with their application and account, in no
    particular order. A coordinator looking at a cohort outside their departments sees only
    their departments' learners in it."""
    qs = (
        Enrollment.objects.filter(cohort=cohort)
        .exclude(status=Enrollment.Status.DROPPED)
        .select_related("application", "user")
    )
    deps = user.departments or []
    if user.is_coordinator and cohort.department not in deps:
        qs = qs.filter(application__department__in=deps)
    return qs


def roster(cohort: Cohort, user: User) -> list[Enrollment]:
    """:func:`roster_visible` in Spanish alphabetical order of surnames then given names
    (Sánchez before Sucasaca, Ñahui after Nuñez): one query.

    Sorted in Python: a cohort holds a few dozen learners, and SQLite has no Spanish
    collation (PostgreSQL's would depend on how it was built)."""
    return by_name(roster_visible(cohort, user))


def by_name(enrollments: Iterable[Enrollment]) -> list[Enrollment]:
    """Enrollments (with their application) in Spanish alphabetical order of the names."""
    return sorted(enrollments, key=lambda e: (e.application.name_sort_key(), e.pk))


@dataclass(frozen=True)
class AttendanceFigures:
    attended: int  # present or late
    held: int  # sessions already started
    total: int  # all the cohort's sessions

    @property
    def percent_of_held(self) -> int | None:
        return round(100 * self.attended / self.held) if self.held else None

    @property
    def percent(self) -> float:
        """Share of all the cohort's sessions attended: what completion rules read."""
        return 100 * self.attended / self.total if self.total else 0.0


def attendance_grid(
    cohort: Cohort, enrollments: list[Enrollment]
) -> tuple[list[Session], dict[int, dict[int, Attendance]], dict[int, AttendanceFigures]]:
    """Sessions, marks by enrollment then session, and figures per enrollment: 2 queries."""
    sessions = list(cohort.sessions.all())
    now = timezone.now()
    held = {s.pk for s in sessions if s.starts_at <= now}
    marks: dict[int, dict[int, Attendance]] = {e.pk: {} for e in enrollments}
    for att in Attendance.objects.filter(
        session__cohort=cohort, enrollment__in=[e.pk for e in enrollments]
    ):
        marks[att.enrollment_id][att.session_id] = att
    figures = {
        e.pk: AttendanceFigures(
            attended=sum(1 for a in marks[e.pk].values() if a.status in Attendance.ATTENDED),
            held=len(held),
            total=len(sessions),
        )
        for e in enrollments
    }
    return sessions, marks, figures


def attendance_figures(enrollment: Enrollment) -> AttendanceFigures:
    """One learner's attendance, for their page and for completion rules."""
    if enrollment.cohort_id is None:
        return AttendanceFigures(0, 0, 0)
    sessions = Session.objects.filter(cohort_id=enrollment.cohort_id)
    return AttendanceFigures(
        attended=enrollment.attendances.filter(
            status__in=Attendance.ATTENDED, session__cohort_id=enrollment.cohort_id
        ).count(),
        held=sessions.filter(starts_at__lte=timezone.now()).count(),
        total=sessions.count(),
    )


def learner_enrollments(user: User) -> QuerySet[Enrollment]:
    """A learner's own enrollments with their cohort, ready for their page."""
    return (
        Enrollment.objects.filter(user=user)
        .select_related("application__call__program", "cohort__track")
        .prefetch_related("cohort__sessions")
        .order_by("-created_at")
    )


def applications_placed(call_id: int) -> set[int]:
    """The ids of the call's applications that hold a place (an enrollment), whatever
    its state: selection leaves them out of a run and takes their offers as answered."""
    return set(
        Enrollment.objects.filter(application__call_id=call_id).values_list(
            "application_id", flat=True
        )
    )
