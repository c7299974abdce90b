"""The reports' reads: the funnel of a call, its targets followed through the funnel, and a
weekly series. Reports read everything below them and write nothing back.

Every function takes a :class:`Scope` (what the person asking may see; ``Scope.of(user)``,
or ``Scope.everything()`` for aggregates published to the public) and runs a fixed number
of queries whatever the number of applicants or learners (tests pin them).

The stages, in order (``STAGES``):

=========== ==========================================================================
applied     every application to the call
eligible    passed eligibility in a published selection (admitted or waitlisted)
admitted    offered a place (at selection or later, promoted from the waiting list)
accepted    accepted the offer (has an enrollment)
placed      placed in a cohort
active      placed, and did something in the last 14 days: a lesson, a quiz attempt or
            attendance at a session (present or late)
completed   completed the course (the enrollment is completed)
certified   holds a certificate that is not revoked
=========== ==========================================================================

``active`` is a state, not a step: a learner who completed and rests is completed but no
longer active, so the conversion rate of each stage is taken from the stage it follows
(``BASE``): ``completed`` and ``active`` both from ``placed``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.certificates.models import Certificate
from yachay.cohorts.models import Attendance, Enrollment
from yachay.intake.models import Application
from yachay.learning.models import LessonProgress, QuizAttempt
from yachay.programs.models import Call, Target
from yachay.reports import dimensions
from yachay.selection.models import Decision

STAGES: tuple[str, ...] = (
    "applied",
    "eligible",
    "admitted",
    "accepted",
    "placed",
    "active",
    "completed",
    "certified",
)
#: The stage each stage's conversion rate is taken from.
BASE: dict[str, str] = {
    "eligible": "applied",
    "admitted": "eligible",
    "accepted": "admitted",
    "placed": "accepted",
    "active": "placed",
    "completed": "placed",
    "certified": "completed",
}
ACTIVE_DAYS = 14
#: The stages with a date, for the weekly series.
DATED_STAGES: tuple[str, ...] = ("applied", "admitted", "accepted", "completed", "certified")


class ScopeError(Exception):
    """The scope cannot be narrowed that way (a department the user does not follow)."""


@dataclass(frozen=True)
class Scope:
    """Whose data a report counts.

    ``kind``: ``all`` (program admins, the public aggregates), ``departments`` (a
    coordinator's INEI department codes), ``cohorts`` (an instructor: the learners of the
    cohorts they teach, with the user's id), ``none``. ``region`` narrows any of them to
    one region key of :mod:`yachay.reports.dimensions` (``08``, ``15M``).
    """

    kind: str
    departments: tuple[str, ...] = ()
    instructor_id: int | None = None
    region: str | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls("all")

    @classmethod
    def of(cls, user: User | Any) -> Scope:
        if user is None or not user.is_authenticated or not user.is_active:
            return cls("none")
        if user.is_program_admin:
            return cls("all")
        if user.role == Role.COORDINATOR:
            return cls("departments", departments=tuple(sorted(user.departments or [])))
        if user.role == Role.INSTRUCTOR:
            return cls("cohorts", instructor_id=user.pk)
        return cls("none")

    @property
    def personal(self) -> bool:
        """May this scope see rows about single people (names, exports with personal data)?
        Staff with a scope may; the public aggregates may not."""
        return self.kind in ("all", "departments", "cohorts")

    def allows_region(self, region: str) -> bool:
        if region not in dimensions.regions():
            return False
        if self.kind == "departments":
            return dimensions.region_department(region) in self.departments
        return self.kind in ("all", "cohorts")

    def narrowed(self, region: str | None) -> Scope:
        """This scope restricted to one region; ScopeError when the region is unknown or
        outside the scope."""
        if not region:
            return self
        if not self.allows_region(region):
            raise ScopeError(region)
        return Scope(self.kind, self.departments, self.instructor_id, region)

    def applications(self, qs: QuerySet[Application] | None = None) -> QuerySet[Application]:
        """The applications this scope may count."""
        qs = Application.objects.all() if qs is None else qs
        if self.kind == "none":
            return qs.none()
        if self.kind == "departments":
            qs = qs.filter(department__in=self.departments)
        elif self.kind == "cohorts":
            qs = qs.filter(enrollment__cohort__instructors=self.instructor_id)
        if self.region:
            if self.region == dimensions.LIMA_METROPOLITANA:
                qs = qs.filter(ubigeo__startswith="1501")
            elif self.region == dimensions.LIMA_PROVINCIAS:
                qs = qs.filter(department="15").exclude(ubigeo__startswith="1501")
            else:
                qs = qs.filter(department=self.region)
        return qs


def _stage_conditions(now: dt.datetime) -> dict[str, Q]:
    """Each stage as a condition on an Application (1:1 joins only, so counts are exact)."""
    since = now - dt.timedelta(days=ACTIVE_DAYS)
    user = OuterRef("enrollment__user_id")
    recent = (
        Exists(LessonProgress.objects.filter(user_id=user, completed_at__gte=since))
        | Exists(QuizAttempt.objects.filter(user_id=user, submitted_at__gte=since))
        | Exists(
            Attendance.objects.filter(
                enrollment_id=OuterRef("enrollment__id"),
                status__in=Attendance.ATTENDED,
                session__starts_at__gte=since,
            )
        )
    )
    placed = Q(enrollment__cohort__isnull=False)
    return {
        "applied": Q(pk__isnull=False),
        "eligible": Q(
            decision__outcome__in=[Decision.Outcome.ADMITTED, Decision.Outcome.WAITLISTED]
        ),
        "admitted": Q(decision__outcome=Decision.Outcome.ADMITTED),
        "accepted": Q(enrollment__isnull=False),
        "placed": placed,
        "active": placed & Q(recent),
        "completed": Q(enrollment__status=Enrollment.Status.COMPLETED),
        "certified": Q(
            Exists(
                Certificate.objects.filter(
                    enrollment_id=OuterRef("enrollment__id"), revoked_at__isnull=True
                )
            )
        ),
    }


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


@dataclass(frozen=True)
class FunnelRow:
    """One line of the funnel: a dimension value (or the total) and its count per stage."""

    key: str
    label: str
    counts: dict[str, int]

    def rate(self, stage: str) -> float | None:
        """The share of the stage it follows (``BASE``) that reached ``stage``; None when
        nobody was there to convert."""
        if stage not in BASE:
            return None
        return _rate(self.counts[stage], self.counts[BASE[stage]])

    def share_of_applied(self, stage: str) -> float | None:
        return _rate(self.counts[stage], self.counts["applied"])

    @property
    def cells(self) -> list[tuple[str, int, float | None]]:
        """(stage, count, rate) in stage order, for templates."""
        return [(s, self.counts[s], self.rate(s)) for s in STAGES]


@dataclass(frozen=True)
class Week:
    starts_on: dt.date
    counts: dict[str, int]  # new in that week, per dated stage
    cumulative: dict[str, int]


@dataclass(frozen=True)
class Funnel:
    call: Call
    scope: Scope
    by: str | None
    total: FunnelRow
    rows: list[FunnelRow]  # one per dimension value (every value, zeros included)
    weeks: list[Week] = field(default_factory=list)
    as_of: dt.datetime = field(default_factory=timezone.now)

    @property
    def stages(self) -> tuple[str, ...]:
        return STAGES


def _counts(qs: QuerySet[Application], conditions: dict[str, Q], group: Any = None) -> Any:
    aggregates = {stage: Count("pk", filter=cond) for stage, cond in conditions.items()}
    if group is None:
        return qs.aggregate(**aggregates)
    return qs.annotate(_group=group).values("_group").annotate(**aggregates).order_by()


def reference_day(call: Call) -> dt.date:
    """The day ages are counted on: the call's closing day (as eligibility does)."""
    return timezone.localdate(call.closes_at)


def funnel(
    call: Call,
    *,
    scope: Scope,
    by: str | None = None,
    weekly: bool = True,
    now: dt.datetime | None = None,
) -> Funnel:
    """The funnel of ``call`` for what ``scope`` may see: the total per stage, one row per
    value of dimension ``by`` (``dimensions.DIMENSIONS``; ValueError for another), and the
    weekly series (``weekly``). 1 query for the total, 1 for the rows, 5 for the weeks."""
    now = now or timezone.now()
    if by is not None and by not in dimensions.DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}")
    qs = scope.applications(Application.objects.filter(call=call))
    conditions = _stage_conditions(now)
    totals = _counts(qs, conditions)
    total = FunnelRow("", "", {s: totals[s] or 0 for s in STAGES})
    rows: list[FunnelRow] = []
    if by is not None:
        expr = dimensions.expression(by, on=reference_day(call))
        found = {r["_group"]: r for r in _counts(qs, conditions, expr)}
        known = dimensions.values(by)
        for key in [*known, *sorted(k for k in found if k not in known)]:
            r = found.get(key, {})
            rows.append(
                FunnelRow(key, dimensions.label(by, key), {s: int(r.get(s) or 0) for s in STAGES})
            )
    weeks = weekly_series(call, scope=scope) if weekly else []
    return Funnel(call=call, scope=scope, by=by, total=total, rows=rows, weeks=weeks, as_of=now)


def weekly_series(call: Call, *, scope: Scope) -> list[Week]:
    """New people per week (Monday, Lima time) at each dated stage, and the running totals:
    applied (submitted), admitted (offered), accepted (enrolled), completed, certified.
    5 queries."""
    apps = scope.applications(Application.objects.filter(call=call))
    tz = timezone.get_current_timezone()
    sources: dict[str, QuerySet[Any]] = {
        "applied": apps.annotate(_at=TruncWeek("created_at", tzinfo=tz)),
        "admitted": Decision.objects.filter(
            application__in=apps, outcome=Decision.Outcome.ADMITTED
        ).annotate(_at=TruncWeek(Coalesce("offer__created_at", "decided_at"), tzinfo=tz)),
        "accepted": Enrollment.objects.filter(application__in=apps).annotate(
            _at=TruncWeek("created_at", tzinfo=tz)
        ),
        "completed": Enrollment.objects.filter(
            application__in=apps, status=Enrollment.Status.COMPLETED
        ).annotate(_at=TruncWeek(Coalesce("status_changed_at", "created_at"), tzinfo=tz)),
        "certified": Certificate.objects.filter(
            enrollment__application__in=apps, revoked_at__isnull=True
        ).annotate(_at=TruncWeek("issued_at", tzinfo=tz)),
    }
    per_week: dict[dt.date, dict[str, int]] = {}
    for stage, qs in sources.items():
        for row in qs.values("_at").annotate(n=Count("pk")).order_by():
            if row["_at"] is None:
                continue
            day = row["_at"].date() if isinstance(row["_at"], dt.datetime) else row["_at"]
            per_week.setdefault(day, dict.fromkeys(DATED_STAGES, 0))[stage] += row["n"]
    if not per_week:
        return []
    # Every week from the first to the last, empty weeks included, so a chart's x axis is time.
    first, last = min(per_week), max(per_week)
    running = dict.fromkeys(DATED_STAGES, 0)
    out: list[Week] = []
    day = first
    while day <= last:
        counts = per_week.get(day, dict.fromkeys(DATED_STAGES, 0))
        running = {s: running[s] + counts[s] for s in DATED_STAGES}
        out.append(Week(starts_on=day, counts=counts, cumulative=dict(running)))
        day += dt.timedelta(weeks=1)
    return out


# -- targets followed through the funnel ---------------------------------------------------


@dataclass(frozen=True)
class TargetStage:
    stage: str
    group: int  # people of the target's group at this stage
    total: int  # everybody at this stage
    met: bool | None  # None when nobody is at the stage yet

    @property
    def share(self) -> float | None:
        return _rate(self.group, self.total)


@dataclass(frozen=True)
class TargetFollowed:
    target: Target
    stages: list[TargetStage]


#: The stages a target is followed through: from admission on.
TARGET_STAGES: tuple[str, ...] = (
    "admitted",
    "accepted",
    "placed",
    "active",
    "completed",
    "certified",
)


def target_condition(target: Target) -> Q:
    """Who belongs to the target's group, as a condition on an Application."""
    if target.dimension == Target.Dimension.DEPARTMENT_GROUP:
        lima_callao = Q(ubigeo__startswith="1501") | Q(department="07")
        return lima_callao if target.value == "lima_callao" else ~lima_callao
    if target.dimension == Target.Dimension.DEPARTMENT:
        return Q(department=target.value)
    if target.dimension in (Target.Dimension.GENDER, Target.Dimension.SEGMENT):
        return Q(**{target.dimension: target.value})
    return Q(pk__in=[])


def _met(target: Target, group: int, total: int) -> bool | None:
    if not total:
        return None
    if target.measure == Target.Measure.SHARE:
        value = Decimal(group) * 100 / Decimal(total)
    else:
        value = Decimal(group)
    return value >= target.amount if target.kind == Target.Kind.MIN else value <= target.amount


def targets_followed(
    call: Call, *, scope: Scope, now: dt.datetime | None = None
) -> list[TargetFollowed]:
    """Each published target of the call's program at admission and at each later stage:
    the group's count, its share of the stage and whether the promise holds there (a share
    target against the people at the stage; a count target against its number). 2 queries."""
    now = now or timezone.now()
    targets = list(Target.objects.filter(program_id=call.program_id).order_by("pk"))
    if not targets:
        return []
    conditions = _stage_conditions(now)
    aggregates: dict[str, Any] = {
        stage: Count("pk", filter=conditions[stage]) for stage in TARGET_STAGES
    }
    for t in targets:
        in_group = target_condition(t)
        for stage in TARGET_STAGES:
            aggregates[f"t{t.pk}_{stage}"] = Count("pk", filter=conditions[stage] & in_group)
    row = scope.applications(Application.objects.filter(call=call)).aggregate(**aggregates)
    out = []
    for t in targets:
        stages = []
        for stage in TARGET_STAGES:
            group, total = row[f"t{t.pk}_{stage}"] or 0, row[stage] or 0
            stages.append(TargetStage(stage, group, total, _met(t, group, total)))
        out.append(TargetFollowed(target=t, stages=stages))
    return out
