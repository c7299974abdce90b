"""Reads for learning: who may take which course, a learner's outline, a cohort's progress.

Every list here is built in a constant number of queries: the activities of the current
version once, then the progress rows of the learner(s) in the course once each kind, never one
query per activity or per learner.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts.models import Cohort, Enrollment, Session
from yachay.cohorts.selectors import attendance_figures
from yachay.cohorts.selectors import by_name as cohort_by_name
from yachay.core.numbers import percent
from yachay.learning import completion as rules_
from yachay.learning.models import (
    Activity,
    Completion,
    Course,
    CourseAsset,
    CourseVersion,
    LessonProgress,
    QuizAttempt,
    QuizAttemptGrant,
)
from yachay.programs.models import Track
from yachay.programs.selectors import track_for_segment

#: Enrollments that may take their track's courses.
TAKING = (Enrollment.Status.WAITING, Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)

# The activities' heavy columns are read only where a page shows one activity.
_HEAVY = ("html", "quiz", "images")


# --- Who may take a course ------------------------------------------------------------------


def _program_tracks(program_ids: set[int]) -> dict[int, list[Track]]:
    by_program: dict[int, list[Track]] = {pid: [] for pid in program_ids}
    if program_ids:
        for track in Track.objects.filter(program_id__in=program_ids).order_by(
            "program_id", "order", "name", "pk"
        ):
            by_program[track.program_id].append(track)
    return by_program


def enrollment_track(enrollment: Enrollment) -> Track | None:
    """The track an enrollment learns: its cohort's, or, before it has a cohort, the first
    track (by ``order``) of its program whose audience is empty or holds the application's
    segment."""
    if enrollment.cohort is not None:  # no query when it has no cohort
        return enrollment.cohort.track
    application = enrollment.application
    tracks = _program_tracks({application.call.program_id})[application.call.program_id]
    return track_for_segment(application.segment, tracks)


def _enrollment_tracks(user: User) -> list[tuple[Enrollment, Track]]:
    """The user's enrollments that may take courses, each with its track: two queries.

    Preferred first: an enrollment still under way over a completed one, one with a cohort
    (attendance counts there) over one without, the newest over older ones.
    """
    if not user.is_authenticated:
        return []
    enrollments = list(
        Enrollment.objects.filter(user=user, status__in=TAKING).select_related(
            "cohort__track", "application__call"
        )
    )
    enrollments.sort(
        key=lambda e: (e.status == Enrollment.Status.COMPLETED, e.cohort_id is None, -e.pk)
    )
    programs = {e.application.call.program_id for e in enrollments if e.cohort_id is None}
    by_program = _program_tracks(programs)
    out: list[tuple[Enrollment, Track]] = []
    for e in enrollments:
        if e.cohort is not None:
            track: Track | None = e.cohort.track
        else:
            track = track_for_segment(
                e.application.segment, by_program[e.application.call.program_id]
            )
        if track is not None:
            out.append((e, track))
    return out


def courses_for(user: User) -> QuerySet[Course]:
    """The courses a user may take (imported ones, with a current version), by title."""
    track_ids = {track.pk for _e, track in _enrollment_tracks(user)}
    return (
        Course.objects.filter(tracks__in=track_ids, current_version__isnull=False)
        .distinct()
        .order_by("title", "slug")
    )


def may_take(user: User, course: Course) -> Enrollment | None:
    """The enrollment through which the user takes this course, or None if they may not:
    an enrollment (waiting, active or completed) whose track is one of the course's."""
    pairs = _enrollment_tracks(user)
    if not pairs:
        return None
    course_tracks = set(course.tracks.values_list("pk", flat=True))
    return next((e for e, track in pairs if track.pk in course_tracks), None)


def track_courses(track: Track) -> QuerySet[Course]:
    """The imported courses of a track, by slug."""
    return Course.objects.filter(tracks=track, current_version__isnull=False).order_by("slug")


# --- One activity, one image -------------------------------------------------------------------


def current_activity(course: Course, activity_id: str) -> Activity | None:
    """An activity of the course's current version, with its HTML or quiz, or None."""
    if course.current_version_id is None:
        return None
    return Activity.objects.filter(
        version_id=course.current_version_id, activity_id=activity_id
    ).first()


def course_asset(
    course: Course, path: str, *, version_number: int | None = None
) -> CourseAsset | None:
    """An image by its course-relative path (as in :attr:`Activity.images`), of the current
    version or of version ``version_number``; None if there is none. A URL naming the version
    never changes content, so it may be cached for good."""
    if version_number is not None:
        return CourseAsset.objects.filter(
            version__course=course, version__number=version_number, path=path
        ).first()
    if course.current_version_id is None:
        return None
    return CourseAsset.objects.filter(version_id=course.current_version_id, path=path).first()


def quiz_attempts(user: User, course: Course, activity_id: str) -> QuerySet[QuizAttempt]:
    """A learner's attempts at one quiz, first to last (all versions: ids are stable)."""
    return QuizAttempt.objects.filter(user=user, course=course, activity_id=activity_id).order_by(
        "number"
    )


def quiz_for_display(activity: Activity, *, seed: str) -> list[dict[str, Any]]:
    """The questions of a quiz as a learner may see them: no correct flags, no answers, no
    feedback or explanations (those come with the attempt's results).

    An ordering question's items are stored in the correct order, so they are shuffled
    (deterministically from ``seed``, e.g. the user, quiz and attempt number) and never
    shown in the correct order.
    """
    quiz = activity.as_quiz()
    rng = random.Random(
        f"{seed}:{activity.activity_id}"
    )  # not a secret: only the order items are shown in
    questions: list[dict[str, Any]] = []
    for q in quiz.questions:
        shown: dict[str, Any] = {"id": q.id, "type": q.type, "prompt": q.prompt, "points": q.points}
        if q.options:
            shown["options"] = [{"id": o.id, "text": o.text} for o in q.options]
        if q.items:
            items = [{"id": i.id, "text": i.text} for i in q.items]
            order = items[:]
            rng.shuffle(order)
            if order == items:
                order = order[1:] + order[:1]
            shown["items"] = order
        if q.type == "numeric":
            shown["unit"] = q.unit
        questions.append(shown)
    return questions


# --- A learner's outline ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityState:
    activity_id: str
    kind: str
    title: str
    minutes: int | None
    module_id: str
    position: int
    done: bool
    best_score: Decimal | None = None  # quizzes: the best attempt (all versions)
    attempts_used: int = 0
    attempts_left: int | None = None  # None: unlimited (and for lessons)
    max_attempts: int = 0
    pass_mark: int | None = None  # the score this quiz needs, from the rules
    last_at: dt.datetime | None = None

    @property
    def is_quiz(self) -> bool:
        return self.kind != rules_.LESSON

    @property
    def can_act(self) -> bool:
        """A lesson to read, or a quiz with attempts left."""
        return not self.is_quiz or self.attempts_left is None or self.attempts_left > 0

    @property
    def out_of_attempts(self) -> bool:
        """A quiz not passed with every attempt used: only an instructor can help now."""
        return self.is_quiz and not self.done and self.attempts_left == 0


@dataclass(frozen=True)
class OutlineModule:
    id: str
    title: str
    position: int
    activities: list[ActivityState]

    @property
    def done(self) -> bool:
        return all(a.done for a in self.activities)


@dataclass(frozen=True)
class Outline:
    course: Course
    version: CourseVersion
    modules: list[OutlineModule]
    done: int
    total: int
    #: Where "continuar" goes: the first activity not done that the learner can still act
    #: on, else the first not done; None when everything is done.
    next: ActivityState | None
    completion: Completion | None = None

    @property
    def percent_done(self) -> Decimal:
        """Activities done, in percent to one decimal (4 of 6: 66.7)."""
        return percent(self.done, self.total)

    @property
    def activities(self) -> list[ActivityState]:
        return [a for m in self.modules for a in m.activities]

    @property
    def out_of_attempts(self) -> list[ActivityState]:
        """The quizzes the learner can no longer pass without another attempt."""
        return [a for a in self.activities if a.out_of_attempts]


def _version(course: Course) -> CourseVersion | None:
    if course.current_version_id is None:
        return None
    return CourseVersion.objects.get(pk=course.current_version_id)


def _activities(version: CourseVersion) -> list[Activity]:
    return list(Activity.objects.filter(version=version).defer(*_HEAVY).order_by("position"))


_TENTH = Decimal("0.1")


def _score(value: Any) -> Decimal:
    """A score as stored (one decimal), whatever the database's MAX() hands back."""
    return Decimal(value).quantize(_TENTH)


def quiz_best_scores(user: User, course: Course) -> dict[str, Decimal]:
    """Best score of each quiz the learner took in this course, by quiz id: one query."""
    return {
        activity_id: _score(best)
        for activity_id, best in QuizAttempt.objects.filter(user=user, course=course)
        .order_by()
        .values("activity_id")
        .annotate(best=Max("score_percent"))
        .values_list("activity_id", "best")
    }


def quiz_extra_attempts(user: User, course: Course) -> dict[str, int]:
    """Attempts granted beyond each quiz's ``max_attempts``, by quiz id: one query."""
    return dict(
        QuizAttemptGrant.objects.filter(user=user, course=course)
        .order_by()
        .values("activity_id")
        .annotate(n=Count("id"))
        .values_list("activity_id", "n")
    )


def attempts_allowed(activity: Activity, extra: int) -> int:
    """How many attempts a learner may make at a quiz: 0 for no limit, else ``max_attempts``
    plus the attempts granted to them."""
    return activity.max_attempts + extra if activity.max_attempts else 0


def learner_outline(user: User, course: Course) -> Outline | None:
    """The course's modules and activities with this learner's state: done, best score,
    attempts used and left (extra attempts granted included); how much is done and where to
    continue. Six queries, whatever the size of the course; None for a course with no version
    imported."""
    version = _version(course)
    if version is None:
        return None
    rules = version.completion_rules
    activities = _activities(version)
    done_lessons = dict(
        LessonProgress.objects.filter(user=user, course=course).values_list(
            "activity_id", "completed_at"
        )
    )
    attempts = {
        row["activity_id"]: row
        for row in QuizAttempt.objects.filter(user=user, course=course)
        .order_by()
        .values("activity_id")
        .annotate(best=Max("score_percent"), used=Count("id"), last=Max("submitted_at"))
    }
    for row in attempts.values():
        row["best"] = _score(row["best"])
    best = {key: row["best"] for key, row in attempts.items()}
    extra = quiz_extra_attempts(user, course)
    completion = Completion.objects.filter(user=user, course=course).first()
    modules: dict[str, OutlineModule] = {}
    states: list[ActivityState] = []
    for a in activities:
        row = attempts.get(a.activity_id) or {}
        used = int(row.get("used", 0))
        allowed = attempts_allowed(a, extra.get(a.activity_id, 0))
        state = ActivityState(
            activity_id=a.activity_id,
            kind=a.kind,
            title=a.title,
            minutes=a.minutes,
            module_id=a.module_id,
            position=a.position,
            done=rules_.activity_done(rules, a.kind, a.activity_id, done_lessons, best),
            best_score=row.get("best"),
            attempts_used=used,
            attempts_left=(max(allowed - used, 0) if a.is_quiz and allowed else None),
            max_attempts=allowed,
            pass_mark=rules_.pass_mark(rules, a.kind),
            last_at=done_lessons.get(a.activity_id) if not a.is_quiz else row.get("last"),
        )
        states.append(state)
        module = modules.get(a.module_id)
        if module is None:
            module = modules[a.module_id] = OutlineModule(
                id=a.module_id, title=a.module_title, position=a.module_position, activities=[]
            )
        module.activities.append(state)
    not_done = [s for s in states if not s.done]
    next_state = next((s for s in not_done if s.can_act), not_done[0] if not_done else None)
    return Outline(
        course=course,
        version=version,
        modules=sorted(modules.values(), key=lambda m: m.position),
        done=len(states) - len(not_done),
        total=len(states),
        next=next_state,
        completion=completion,
    )


# --- A cohort's progress -----------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerProgress:
    user: User
    percent_done: Decimal  # one decimal, as numbers.percent gives it
    lessons_done: int
    lessons_total: int
    #: Best score of each quiz (the final included) by id, in course order; None if not taken.
    quiz_scores: dict[str, Decimal | None]
    completed_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    #: Where the learner stopped: their first activity not done (None: all done).
    stuck: Activity | None
    #: Quizzes not passed with every attempt used (extra attempts included), by id.
    out_of_attempts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CohortProgress:
    course: Course
    version: CourseVersion
    activities: list[Activity]  # without their HTML and quiz (deferred)
    learners: list[LearnerProgress] = field(default_factory=list)

    @property
    def quizzes(self) -> list[Activity]:
        return [a for a in self.activities if a.is_quiz]


def _cohort_users(cohort: Cohort) -> list[User]:
    enrollments = (
        Enrollment.objects.filter(cohort=cohort)
        .exclude(status=Enrollment.Status.DROPPED)
        .select_related("user", "application")
    )
    return [e.user for e in cohort_by_name(enrollments)]


def cohort_progress(
    cohort: Cohort, users: Sequence[User] | None = None, *, course: Course | None = None
) -> CohortProgress | None:
    """Each learner's progress in the cohort's course: percent done, lessons done, best score
    of each quiz, completion date, last activity, where they stopped and the quizzes they
    can no longer pass without another attempt.

    ``users`` defaults to the cohort's learners (not dropped), by name; ``course`` to the
    first course (by slug) of the cohort's track. A constant number of queries, whatever the
    number of learners or activities; None when the track has no imported course.
    """
    if course is None:
        course = track_courses(cohort.track).select_related("current_version").first()
        if course is None:
            return None
        version = course.current_version
    else:
        version = _version(course)
    if version is None:
        return None
    if users is None:
        users = _cohort_users(cohort)
    rules = version.completion_rules
    activities = _activities(version)
    user_ids = [u.pk for u in users]
    lessons: dict[int, dict[str, dt.datetime]] = {pk: {} for pk in user_ids}
    for user_id, activity_id, when in LessonProgress.objects.filter(
        course=course, user_id__in=user_ids
    ).values_list("user_id", "activity_id", "completed_at"):
        lessons[user_id][activity_id] = when
    best: dict[int, dict[str, Decimal]] = {pk: {} for pk in user_ids}
    used: dict[tuple[int, str], int] = {}
    last_attempt: dict[int, dt.datetime] = {}
    for row in (
        QuizAttempt.objects.filter(course=course, user_id__in=user_ids)
        .order_by()
        .values("user_id", "activity_id")
        .annotate(best=Max("score_percent"), last=Max("submitted_at"), used=Max("number"))
    ):
        best[row["user_id"]][row["activity_id"]] = _score(row["best"])
        used[row["user_id"], row["activity_id"]] = row["used"]
        if row["user_id"] not in last_attempt or row["last"] > last_attempt[row["user_id"]]:
            last_attempt[row["user_id"]] = row["last"]
    completed = dict(
        Completion.objects.filter(course=course, user_id__in=user_ids).values_list(
            "user_id", "completed_at"
        )
    )
    extra: Counter[tuple[int, str]] = Counter(
        QuizAttemptGrant.objects.filter(course=course, user_id__in=user_ids).values_list(
            "user_id", "activity_id"
        )
    )
    lesson_ids = [a.activity_id for a in activities if not a.is_quiz]
    quiz_ids = [a.activity_id for a in activities if a.is_quiz]
    limited = [a for a in activities if a.is_quiz and a.max_attempts]
    rows: list[LearnerProgress] = []
    for user in users:
        done_lessons, scores = lessons[user.pk], best[user.pk]
        not_done = [
            a
            for a in activities
            if not rules_.activity_done(rules, a.kind, a.activity_id, done_lessons, scores)
        ]
        not_done_ids = {a.activity_id for a in not_done}
        times = [*done_lessons.values()]
        if user.pk in last_attempt:
            times.append(last_attempt[user.pk])
        rows.append(
            LearnerProgress(
                user=user,
                percent_done=percent(len(activities) - len(not_done), len(activities)),
                lessons_done=sum(1 for i in lesson_ids if i in done_lessons),
                lessons_total=len(lesson_ids),
                quiz_scores={i: scores.get(i) for i in quiz_ids},
                completed_at=completed.get(user.pk),
                last_activity_at=max(times) if times else None,
                stuck=not_done[0] if not_done else None,
                out_of_attempts=frozenset(
                    a.activity_id
                    for a in limited
                    if a.activity_id in not_done_ids
                    and used.get((user.pk, a.activity_id), 0)
                    >= attempts_allowed(a, extra[user.pk, a.activity_id])
                ),
            )
        )
    return CohortProgress(course=course, version=version, activities=activities, learners=rows)


@dataclass(frozen=True)
class StuckCount:
    activity: Activity
    learners: int


@dataclass(frozen=True)
class StuckSummary:
    course: Course
    #: Every activity of the current version in course order, with how many learners
    #: stopped there (their first activity not done); zeros included.
    rows: list[StuckCount]
    finished: int  # learners with every activity done
    learners: int


def stuck_summary(cohort: Cohort, *, course: Course | None = None) -> StuckSummary | None:
    """Where the cohort's learners stopped: how many have each activity as their first not
    done. Same queries as :func:`cohort_progress`."""
    progress = cohort_progress(cohort, course=course)
    return None if progress is None else progress_stuck(progress)


# --- For the learning pages ------------------------------------------------------------------


def completion_status(outline: Outline, enrollment: Enrollment | None) -> rules_.CompletionStatus:
    """What :func:`services.completion_evaluate` answers, without writing anything (for GET
    pages): complete once a Completion exists, else what is still missing under the current
    version's rules, from an outline already loaded. No query, but three for attendance
    when the rules count it and the learner has a cohort."""
    if outline.completion is not None:
        return rules_.CompletionStatus(complete=True, completion=outline.completion)
    if enrollment is None:
        return rules_.CompletionStatus(complete=False, missing=[rules_.Missing("enrollment")])
    rules = outline.version.completion_rules
    states = outline.activities
    attendance = None
    if rules.attendance_min_percent is not None and enrollment.cohort_id is not None:
        figures = attendance_figures(enrollment)
        attendance = rules_.AttendanceInfo(True, figures.attended, figures.total)
    missing = rules_.evaluate(
        rules,
        [rules_.ActivityInfo(a.activity_id, a.kind, a.title) for a in states],
        {a.activity_id for a in states if not a.is_quiz and a.done},
        {a.activity_id: a.best_score for a in states if a.best_score is not None},
        attendance,
    )
    return rules_.CompletionStatus(complete=not missing, missing=missing)


@dataclass(frozen=True)
class LearnerCourse:
    """A course on the learner's "Mi aprendizaje" page."""

    course: Course
    enrollment: Enrollment
    track: Track
    outline: Outline
    status: rules_.CompletionStatus
    #: The first live session of their cohort that has not ended yet, if any.
    next_session: Session | None


def learner_courses(user: User, *, now: dt.datetime | None = None) -> list[LearnerCourse]:
    """Each course the user may take (as :func:`courses_for`), with the enrollment and track
    through which they take it (as :func:`may_take` picks it), their outline, what they still
    lack, and their cohort's next live session. Four queries (five while waiting for a cohort),
    then five per course (eight when its rules count attendance)."""
    pairs = _enrollment_tracks(user)
    if not pairs:
        return []
    courses = (
        Course.objects.filter(tracks__in={t.pk for _e, t in pairs}, current_version__isnull=False)
        .distinct()
        .order_by("title", "slug")
        .prefetch_related("tracks")
    )
    now = now or timezone.now()
    upcoming: dict[int, Session] = {}
    cohort_ids = {e.cohort_id for e, _t in pairs if e.cohort_id is not None}
    for session in Session.objects.filter(cohort_id__in=cohort_ids, ends_at__gt=now).order_by(
        "starts_at", "pk"
    ):
        upcoming.setdefault(session.cohort_id, session)
    out: list[LearnerCourse] = []
    for course in courses:
        course_tracks = {t.pk for t in course.tracks.all()}
        pair = next(((e, t) for e, t in pairs if t.pk in course_tracks), None)
        outline = learner_outline(user, course)
        if pair is None or outline is None:  # pragma: no cover - courses_for chose them so
            continue
        enrollment, track = pair
        out.append(
            LearnerCourse(
                course=course,
                enrollment=enrollment,
                track=track,
                outline=outline,
                status=completion_status(outline, enrollment),
                next_session=upcoming.get(enrollment.cohort_id or 0),
            )
        )
    return out


def activity_neighbours(activity: Activity) -> tuple[Activity | None, Activity | None]:
    """The activities just before and just after this one in its version (light columns
    only): one query."""
    around = {
        a.position: a
        for a in Activity.objects.filter(
            version_id=activity.version_id,
            position__in=[activity.position - 1, activity.position + 1],
        ).defer(*_HEAVY)
    }
    return around.get(activity.position - 1), around.get(activity.position + 1)


@dataclass(frozen=True)
class QuizStanding:
    """A learner's attempts at one quiz: how many (the last number), the best score, and how
    many they may make (0: no limit; extra attempts granted included)."""

    used: int
    best: Decimal | None
    allowed: int = 0

    @property
    def left(self) -> int | None:
        """Attempts left; None: no limit."""
        return max(self.allowed - self.used, 0) if self.allowed else None


def quiz_standing(user: User, course: Course, activity: Activity) -> QuizStanding:
    """Attempts used (numbered 1, 2, 3 with no gap), best score and attempts allowed at one
    quiz: two queries."""
    row = QuizAttempt.objects.filter(
        user=user, course=course, activity_id=activity.activity_id
    ).aggregate(used=Max("number"), best=Max("score_percent"))
    best = row["best"]
    extra = 0
    if activity.max_attempts:
        extra = QuizAttemptGrant.objects.filter(
            user=user, course=course, activity_id=activity.activity_id
        ).count()
    return QuizStanding(
        used=row["used"] or 0,
        best=None if best is None else _score(best),
        allowed=attempts_allowed(activity, extra),
    )


def progress_stuck(progress: CohortProgress) -> StuckSummary:
    """:func:`stuck_summary` over progress already loaded (so over the same learners, e.g. a
    coordinator's share of a cohort): no query."""
    counts = Counter(row.stuck.pk for row in progress.learners if row.stuck is not None)
    return StuckSummary(
        course=progress.course,
        rows=[StuckCount(a, counts.get(a.pk, 0)) for a in progress.activities],
        finished=sum(1 for row in progress.learners if row.stuck is None),
        learners=len(progress.learners),
    )


def lesson_done_at(user: User, course: Course, activity_id: str) -> dt.datetime | None:
    """When the learner finished this lesson (any version: ids are stable), or None."""
    return (
        LessonProgress.objects.filter(user=user, course=course, activity_id=activity_id)
        .values_list("completed_at", flat=True)
        .first()
    )
