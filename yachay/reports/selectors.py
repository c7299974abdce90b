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
            attendance at a session (present or late), as of the last refresh of the
            ``LearnerActivity`` summary (``activity_as_of``; a background task, every
            ``YACHAY_REPORTS_REFRESH_MINUTES``)
completed   completed the course (the enrollment is completed)
certified   holds a certificate that is not revoked
=========== ==========================================================================

``active`` is a state, not a step: a learner who completed and rests is completed but no
longer active, so the conversion rate of each stage is taken from the stage it follows
(``BASE``): ``completed`` and ``active`` both from ``placed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from yachay.accounts.models import Role, User
from yachay.certificates.models import Certificate
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.intake.models import Application
from yachay.learning.models import Activity, Course, LessonProgress, QuizAttempt
from yachay.programs.models import Call, Target
from yachay.reports import dimensions, item_analysis
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
#: Each stage in words.
STAGE_LABELS: dict[str, Any] = {
    "applied": pgettext_lazy("funnel stage", "applied"),
    "eligible": pgettext_lazy("funnel stage", "eligible"),
    "admitted": pgettext_lazy("funnel stage", "admitted"),
    "accepted": pgettext_lazy("funnel stage", "accepted"),
    "placed": pgettext_lazy("funnel stage", "placed in a cohort"),
    "active": pgettext_lazy("funnel stage", "active (14 days)"),
    "completed": pgettext_lazy("funnel stage", "completed"),
    "certified": pgettext_lazy("funnel stage", "certified"),
}
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


@contextmanager
def _planned() -> Iterator[None]:
    """Run a report's queries without PostgreSQL's JIT compiler: their cost estimates pass
    its threshold, and compiling took 2.8 s of a 4 s funnel in the bench (the query itself
    ~1 s). A transaction for ``SET LOCAL``; nothing is written."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def activity_as_of() -> dt.datetime | None:
    """When the learners' activity (the "active" stage) was last refreshed: 1 query."""
    from yachay.reports.models import SummaryRefresh

    return (
        SummaryRefresh.objects.filter(name="learner_activity")
        .values_list("refreshed_at", flat=True)
        .first()
    )


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
    # One row per learner in the summary (refreshed in the background), joined: probing three
    # activity tables per learner is what the bench measured too slow.
    recent = Q(enrollment__report_activity__last_activity_at__gte=since)
    placed = Q(enrollment__cohort__isnull=False)
    # A funnel counts who reached at least each stage: whoever holds a place was admitted and
    # eligible, even when no selection run says so (enrolled by hand, as the demo's classroom
    # on its still open call is), so a later stage never outnumbers an earlier one.
    enrolled = Q(enrollment__isnull=False)
    return {
        "applied": Q(pk__isnull=False),
        "eligible": Q(
            decision__outcome__in=[Decision.Outcome.ADMITTED, Decision.Outcome.WAITLISTED]
        )
        | enrolled,
        "admitted": Q(decision__outcome=Decision.Outcome.ADMITTED) | enrolled,
        "accepted": enrolled,
        "placed": placed,
        "active": placed & recent,
        "completed": Q(enrollment__status=Enrollment.Status.COMPLETED),
        # A subquery, not a join: an enrollment may hold a revoked certificate beside its
        # valid one (a re-issue), and a join would count its application twice.
        "certified": Q(
            Exists(
                Certificate.objects.filter(
                    enrollment__application=OuterRef("pk"), revoked_at__isnull=True
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


@_planned()
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
    weekly series (``weekly``). 1 query for the total or the rows (the total is their sum),
    5 for the weeks."""
    now = now or timezone.now()
    if by is not None and by not in dimensions.DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}")
    qs = scope.applications(Application.objects.filter(call=call))
    conditions = _stage_conditions(now)
    rows: list[FunnelRow] = []
    if by is None:
        totals = _counts(qs, conditions)
        total = FunnelRow("", "", {s: totals[s] or 0 for s in STAGES})
    else:
        expr = dimensions.expression(by, on=reference_day(call))
        found = {r["_group"]: r for r in _counts(qs, conditions, expr)}
        known = dimensions.values(by)
        for key in [*known, *sorted(k for k in found if k not in known)]:
            r = found.get(key, {})
            rows.append(
                FunnelRow(key, dimensions.label(by, key), {s: int(r.get(s) or 0) for s in STAGES})
            )
        # Every application is in exactly one row: the total is their sum (no second scan).
        total = FunnelRow("", "", {s: sum(r.counts[s] for r in rows) for s in STAGES})
    weeks = weekly_series(call, scope=scope) if weekly else []
    return Funnel(call=call, scope=scope, by=by, total=total, rows=rows, weeks=weeks, as_of=now)


@_planned()
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


@_planned()
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


# -- cohorts: attendance, completion, instructors ------------------------------------------


@dataclass(frozen=True)
class SessionFigures:
    session: Session
    attended: int
    learners: int

    @property
    def rate(self) -> float | None:
        return _rate(self.attended, self.learners)


@dataclass(frozen=True)
class CohortFigures:
    cohort: Cohort
    instructors: list[str]
    learners: int  # placed and not dropped, in the scope
    completed: int
    sessions: list[SessionFigures]  # the sessions held so far (started), in order
    attended: int  # attendance marks (present or late) at sessions held

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.attended, self.learners * len(self.sessions))

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completed, self.learners)


@dataclass(frozen=True)
class InstructorFigures:
    name: str
    cohorts: int
    learners: int
    completed: int
    attended: int
    expected: int  # learners x sessions held, summed over their cohorts

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.attended, self.expected)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completed, self.learners)


def _placed(call: Call, scope: Scope) -> QuerySet[Enrollment]:
    apps = scope.applications(Application.objects.filter(call=call))
    return Enrollment.objects.filter(application__in=apps, cohort__isnull=False).exclude(
        status=Enrollment.Status.DROPPED
    )


@_planned()
def cohort_figures(
    call: Call, *, scope: Scope, now: dt.datetime | None = None
) -> list[CohortFigures]:
    """Per cohort of the call with learners in the scope: learners, completion, attendance
    per session held and overall (marks present or late over learners x sessions held).
    Counts only the scope's learners (a coordinator's share of a virtual cohort). 4 queries."""
    now = now or timezone.now()
    placed = _placed(call, scope)
    per_cohort = {
        r["cohort_id"]: r
        for r in placed.values("cohort_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=Enrollment.Status.COMPLETED)))
        .order_by()
    }
    if not per_cohort:
        return []
    cohorts = list(
        Cohort.objects.filter(pk__in=per_cohort)
        .prefetch_related("instructors")
        .order_by("starts_on", "name", "pk")
    )
    sessions = list(
        Session.objects.filter(cohort_id__in=per_cohort, starts_at__lte=now).order_by(
            "starts_at", "pk"
        )
    )
    attended = dict(
        Attendance.objects.filter(
            enrollment__in=placed,
            session__in=[s.pk for s in sessions],
            status__in=Attendance.ATTENDED,
        )
        .values("session_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("session_id", "n")
    )
    out = []
    for c in cohorts:
        n = per_cohort[c.pk]["n"]
        held = [
            SessionFigures(s, attended.get(s.pk, 0), n) for s in sessions if s.cohort_id == c.pk
        ]
        out.append(
            CohortFigures(
                cohort=c,
                instructors=sorted(i.get_full_name() or i.username for i in c.instructors.all()),
                learners=n,
                completed=per_cohort[c.pk]["done"],
                sessions=held,
                attended=sum(s.attended for s in held),
            )
        )
    return out


def instructors_compared(figures: list[CohortFigures]) -> list[InstructorFigures]:
    """The cohorts' figures summed per instructor (a cohort with two counts for both); no
    query. Cohorts without an instructor are left out."""
    acc: dict[str, list[int]] = {}
    for f in figures:
        for name in f.instructors:
            a = acc.setdefault(name, [0, 0, 0, 0, 0])
            a[0] += 1
            a[1] += f.learners
            a[2] += f.completed
            a[3] += f.attended
            a[4] += f.learners * len(f.sessions)
    return [InstructorFigures(name, *a) for name, a in sorted(acc.items())]


# -- where learners stop ----------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityReach:
    activity: Activity
    reached: int  # learners who did it (a lesson finished, a quiz attempted)
    stopped: int  # did it and not the next one: stopped here


@dataclass(frozen=True)
class CourseStops:
    course: Course
    learners: int  # placed learners of the scope taking the course
    rows: list[ActivityReach]

    @property
    def worst(self) -> ActivityReach | None:
        """The activity after which most learners stopped (the last one is not a stop)."""
        candidates = [r for r in self.rows[:-1] if r.stopped > 0]
        return max(candidates, key=lambda r: r.stopped, default=None)


@_planned()
def course_stops(call: Call, *, scope: Scope) -> list[CourseStops]:
    """For each course of the call's cohorts' tracks: how many of the scope's placed
    learners reached each activity (in course order), and how many stopped after it (did
    it and not the next). Counted in SQL per activity, so the rows are activities, never
    learners: 4 queries plus 1 per course."""
    placed = _placed(call, scope)
    users = placed.values("user_id")
    courses = list(
        Course.objects.filter(
            tracks__cohorts__enrollments__in=placed, current_version__isnull=False
        )
        .distinct()
        .select_related("current_version")
        .order_by("slug")
    )
    if not courses:
        return []
    activities: dict[int, list[Activity]] = {}
    for a in (
        Activity.objects.filter(version_id__in=[c.current_version_id for c in courses])
        .only("pk", "version_id", "activity_id", "kind", "title", "module_title", "position")
        .order_by("version_id", "position")
    ):
        activities.setdefault(a.version_id, []).append(a)
    learners = dict(
        placed.filter(cohort__track__courses__in=courses)
        .values("cohort__track__courses")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
        .values_list("cohort__track__courses", "n")
    )
    out = []
    for course in courses:
        reached: dict[str, int] = dict(
            LessonProgress.objects.filter(course=course, user_id__in=users)
            .values("activity_id")
            .annotate(n=Count("user_id"))
            .order_by()
            .values_list("activity_id", "n")
        )
        reached.update(
            QuizAttempt.objects.filter(course=course, user_id__in=users, number=1)
            .values("activity_id")
            .annotate(n=Count("user_id"))
            .order_by()
            .values_list("activity_id", "n")
        )
        acts = activities.get(course.current_version_id or 0, [])
        counts = [reached.get(a.activity_id, 0) for a in acts]
        rows = [
            ActivityReach(a, n, max(0, n - (counts[i + 1] if i + 1 < len(acts) else 0)))
            for i, (a, n) in enumerate(zip(acts, counts, strict=True))
        ]
        out.append(CourseStops(course, learners.get(course.pk, 0), rows))
    return out


# -- course quality --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionQuality:
    activity: Activity
    number: int  # 1-based, in the quiz
    prompt: str
    stats: item_analysis.ItemStats


@_planned()
def question_quality(course: Course, *, scope: Scope) -> list[QuestionQuality]:
    """Difficulty and discrimination of every question of the course's current quizzes,
    from the first attempts of the learners in the scope. 2 queries (the attempts are read
    as (quiz, results) only)."""
    version = course.current_version
    if version is None:
        return []
    quizzes = list(
        Activity.objects.filter(
            version=version, kind__in=[Activity.Kind.QUIZ, Activity.Kind.FINAL]
        ).order_by("position")
    )
    users = Enrollment.objects.filter(
        application__in=scope.applications(), cohort__isnull=False
    ).values("user_id")
    by_quiz: dict[str, list[item_analysis.Response]] = {}
    attempts = QuizAttempt.objects.filter(course=course, number=1, user_id__in=users)
    for quiz_id, results in attempts.values_list("activity_id", "results").iterator(2000):
        if not isinstance(results, dict):
            continue
        by_quiz.setdefault(quiz_id, []).append(
            item_analysis.Response(
                correct={q: bool(r.get("correct")) for q, r in results.items()},
                points={q: float(r.get("points") or 0) for q, r in results.items()},
            )
        )
    out = []
    for activity in quizzes:
        questions = activity.as_quiz().questions
        stats = item_analysis.analyse(
            [q.id for q in questions], by_quiz.get(activity.activity_id, [])
        )
        for i, (q, s) in enumerate(zip(questions, stats, strict=True), start=1):
            out.append(QuestionQuality(activity, i, q.prompt, s))
    return out


# -- people (personal data: staff exports only) ------------------------------------------------


def people(call: Call, *, scope: Scope, now: dt.datetime | None = None) -> Iterator[list[Any]]:
    """The scope's applicants with the furthest stage each reached, one row per person:
    reference, name, region, gender, segment, stage (labels in the active language). For
    staff downloads only (``Scope.personal``); streamed from the database in chunks."""
    from django.db.models import Case, CharField, Value, When

    from yachay.core.choices import Gender, Segment

    if not scope.personal:
        return iter(())
    now = now or timezone.now()
    conditions = _stage_conditions(now)
    order = ["certified", "completed", "active", "placed", "accepted", "admitted", "eligible"]
    furthest = Case(
        *(When(conditions[s], then=Value(s)) for s in order),
        default=Value("applied"),
        output_field=CharField(),
    )
    qs = (
        scope.applications(Application.objects.filter(call=call))
        .annotate(_stage=furthest)
        .order_by("reference")
        .values_list(
            "reference",
            "given_names",
            "paternal_surname",
            "maternal_surname",
            "ubigeo",
            "gender",
            "segment",
            "_stage",
        )
    )
    regions = dimensions.regions()
    genders, segments = dict(Gender.choices), dict(Segment.choices)

    def rows() -> Iterator[list[Any]]:
        for ref, given, paternal, maternal, ubigeo_code, gender, segment, stage in qs.iterator(
            2000
        ):
            name = " ".join(p for p in (given, paternal, maternal) if p)
            yield [
                ref,
                name,
                regions.get(dimensions.region_of(ubigeo_code), ubigeo_code),
                str(genders.get(gender, gender)),
                str(segments.get(segment, segment)),
                str(STAGE_LABELS[stage]),
            ]

    return rows()
