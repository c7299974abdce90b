"""Reads for each staff role's home page (selectors): what an instructor, a coordinator and
a program admin see first after signing in. Every read is scoped through
:func:`yachay.cohorts.selectors.cohorts_visible` or the user's departments, and every home
runs a fixed number of queries, whatever the number of rows (tests pin them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts.models import Cohort, Enrollment, Session
from yachay.cohorts.selectors import cohorts_visible
from yachay.core import ubigeo
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection.models import Decision, Offer, SelectionRun

EXPIRING_HOURS = 48


def _today_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of today in the program's time zone (Lima)."""
    today = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return start, start + dt.timedelta(days=1)


@dataclass(frozen=True)
class TodaySession:
    session: Session
    under_way: bool  # check-in is open: the code can be shown now
    over: bool


def sessions_today(user: User, *, now: dt.datetime | None = None) -> list[TodaySession]:
    """Today's sessions of the cohorts this user may see, in order, with the cohort: 1 query."""
    now = now or timezone.now()
    start, end = _today_bounds(now)
    opens = dt.timedelta(minutes=settings.YACHAY_CHECKIN_OPENS_MINUTES)
    grace = dt.timedelta(minutes=settings.YACHAY_CHECKIN_GRACE_MINUTES)
    sessions = (
        Session.objects.filter(cohort__in=cohorts_visible(user), starts_at__gte=start)
        .filter(starts_at__lt=end)
        .select_related("cohort")
        .order_by("starts_at", "pk")
    )
    return [
        TodaySession(
            session=s,
            under_way=s.starts_at - opens <= now <= s.ends_at + grace,
            over=now > s.ends_at + grace,
        )
        for s in sessions
    ]


def cohorts_with_figures(
    qs: QuerySet[Cohort], *, now: dt.datetime | None = None
) -> QuerySet[Cohort]:
    """Cohorts with their learner count (``placed``) and their track: 1 query."""
    now = now or timezone.now()
    return (
        qs.select_related("track")
        .annotate(
            placed=Count(
                "enrollments",
                filter=~Q(enrollments__status=Enrollment.Status.DROPPED),
                distinct=True,
            ),
            sessions_left=Count("sessions", filter=Q(sessions__starts_at__gte=now), distinct=True),
        )
        .order_by("starts_on", "name", "pk")
    )


@dataclass(frozen=True)
class InstructorHome:
    today: list[TodaySession]
    cohorts: list[Cohort]


def instructor_home(user: User, *, now: dt.datetime | None = None) -> InstructorHome:
    """Today's sessions and the cohorts this instructor teaches: 2 queries."""
    return InstructorHome(
        today=sessions_today(user, now=now),
        cohorts=list(cohorts_with_figures(cohorts_visible(user), now=now)),
    )


@dataclass(frozen=True)
class DepartmentFigures:
    code: str
    name: str
    applications: int = 0
    admitted: int = 0
    waitlisted: int = 0
    ineligible: int = 0
    enrolled: int = 0
    waiting: int = 0  # enrolled, not yet in a cohort


@dataclass(frozen=True)
class StatusCount:
    label: str
    count: int


@dataclass(frozen=True)
class CoordinatorHome:
    departments: list[DepartmentFigures]
    statuses: list[StatusCount]
    cohorts: list[Cohort]
    today: list[TodaySession]


def coordinator_home(user: User, *, now: dt.datetime | None = None) -> CoordinatorHome:
    """The coordinator's departments: applications and selection outcomes per department,
    applications by status, the cohorts they follow and today's sessions: 6 queries."""
    deps = sorted(user.departments or []) if not user.is_program_admin else []
    names = ubigeo.places().departments
    apps = Application.objects.filter(department__in=deps)
    per_dep: dict[str, dict[str, int]] = {d: {} for d in deps}
    for row in apps.values("department").annotate(n=Count("pk")):
        per_dep[row["department"]]["applications"] = row["n"]
    outcomes = (
        Decision.objects.filter(application__department__in=deps)
        .values("application__department", "outcome")
        .annotate(n=Count("pk"))
    )
    for row in outcomes:
        per_dep[row["application__department"]][row["outcome"]] = row["n"]
    enrolments = (
        Enrollment.objects.filter(application__department__in=deps)
        .exclude(status=Enrollment.Status.DROPPED)
        .values("application__department")
        .annotate(
            n=Count("pk"),
            waiting=Count("pk", filter=Q(cohort__isnull=True)),
        )
    )
    for row in enrolments:
        d = per_dep[row["application__department"]]
        d["enrolled"], d["waiting"] = row["n"], row["waiting"]
    labels = dict(Application.Status.choices)
    statuses = [
        StatusCount(label=str(labels.get(row["status"], row["status"])), count=row["n"])
        for row in apps.values("status").annotate(n=Count("pk")).order_by("status")
    ]
    return CoordinatorHome(
        departments=[
            DepartmentFigures(
                code=d,
                name=names.get(d, d),
                applications=per_dep[d].get("applications", 0),
                admitted=per_dep[d].get(Decision.Outcome.ADMITTED, 0),
                waitlisted=per_dep[d].get(Decision.Outcome.WAITLISTED, 0),
                ineligible=per_dep[d].get(Decision.Outcome.INELIGIBLE, 0),
                enrolled=per_dep[d].get("enrolled", 0),
                waiting=per_dep[d].get("waiting", 0),
            )
            for d in deps
        ],
        statuses=statuses,
        cohorts=list(cohorts_with_figures(cohorts_visible(user), now=now)),
        today=sessions_today(user, now=now),
    )


@dataclass(frozen=True)
class CallRow:
    call: Call
    state: str  # upcoming, open, closed
    applications: int


@dataclass
class Attention:
    """What needs the program office today."""

    offers_expiring: int = 0
    sessions_today: list[TodaySession] = field(default_factory=list)
    cohorts_without_instructor: list[Cohort] = field(default_factory=list)
    waiting_unplaced: int = 0

    @property
    def anything(self) -> bool:
        return bool(
            self.offers_expiring
            or self.sessions_today
            or self.cohorts_without_instructor
            or self.waiting_unplaced
        )


@dataclass(frozen=True)
class ProgramHome:
    calls: list[CallRow]
    runs: list[SelectionRun]
    cohorts: int
    placed: int
    attention: Attention


def program_home(user: User, *, now: dt.datetime | None = None, runs: int = 5) -> ProgramHome:
    """The program office's home: calls with their applications, the latest selection runs,
    cohorts, and what needs attention today (offers expiring within 48 h, today's sessions,
    cohorts without an instructor, learners waiting for a cohort): 8 queries."""
    now = now or timezone.now()
    calls = Call.objects.select_related("program").annotate(n=Count("applications"))
    call_rows = [CallRow(call=c, state=c.state(now), applications=c.n) for c in calls]
    latest = list(
        SelectionRun.objects.select_related("call")
        .defer("problem", "admitted_ids", "waitlist_ids", "ineligible", "departments")
        .order_by("-created_at", "-pk")[:runs]
    )
    active = Enrollment.objects.exclude(status=Enrollment.Status.DROPPED)
    totals = Cohort.objects.aggregate(n=Count("pk"))
    placed = active.filter(cohort__isnull=False).count()
    no_instructor = Cohort.objects.filter(
        ~Exists(Cohort.instructors.through.objects.filter(cohort_id=OuterRef("pk"))),
        ends_on__gte=timezone.localdate(now),
    ).order_by("starts_on", "name")
    attention = Attention(
        offers_expiring=Offer.objects.filter(
            state=Offer.State.PENDING,
            expires_at__gte=now,
            expires_at__lt=now + dt.timedelta(hours=EXPIRING_HOURS),
        ).count(),
        sessions_today=sessions_today(user, now=now),
        cohorts_without_instructor=list(no_instructor[:20]),
        waiting_unplaced=active.filter(
            status=Enrollment.Status.WAITING, cohort__isnull=True
        ).count(),
    )
    return ProgramHome(
        calls=call_rows, runs=latest, cohorts=totals["n"], placed=placed, attention=attention
    )
