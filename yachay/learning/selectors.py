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

from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Subquery
from django.db.models.signals import m2m_changed
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.cohorts.selectors import AttendanceFigures, attendance_figures
from yachay.cohorts.selectors import by_name as cohort_by_name
from yachay.core.compiled import Compiled
from yachay.core.memo import Memo
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


def _taking_enrollments(user_id: int) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(user_id=user_id, status__in=TAKING).select_related(
        "cohort__track", "application__call"
    )


# The enrollments of a learner, bare or with a page's figures (see :func:`lesson_figures`),
# compiled to SQL once per process: building this query cost ten times running it.
_ENROLLMENTS: dict[str | None, Compiled[Enrollment]] = {
    None: Compiled(_taking_enrollments),
    "lesson": Compiled(
        lambda user_id, course_id, activity_id: _taking_enrollments(user_id).annotate(
            **lesson_figures(course_id, activity_id)
        )
    ),
    "quiz": Compiled(
        lambda user_id, course_id, activity_id: _taking_enrollments(user_id).annotate(
            **quiz_figures(course_id, activity_id)
        )
    ),
}


def _enrollment_tracks(
    user: User, figures: str | None = None, **values: Any
) -> list[tuple[Enrollment, Track]]:
    """The user's enrollments that may take courses, each with its track: one query (two for
    an enrollment still waiting for a cohort). ``figures`` (``"lesson"`` or ``"quiz"``, with
    ``course_id`` and ``activity_id``): the user's progress a page shows (see
    :func:`lesson_figures`, :func:`quiz_figures`), read in the same round trip.

    Preferred first: an enrollment still under way over a completed one, one with a cohort
    (attendance counts there) over one without, the newest over older ones.
    """
    if not user.is_authenticated:
        return []
    enrollments = _ENROLLMENTS[figures](user_id=user.pk, **values)
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


# --- A course as the learner pages read it: kept in each process for a few seconds --------------


@dataclass(frozen=True)
class CourseShape:
    """A course with its current version, the tracks that take it and the version's
    activities (HTML and quizzes included), in course order. A version's content never
    changes once imported, so the same shape serves every learner's request; it is kept in
    the process (``YACHAY_HOT_CACHE_SECONDS``, cleared at once in the process that imports a
    course or relinks its tracks): a newly imported version shows in the other processes
    within that bound."""

    course: Course
    version: CourseVersion
    track_ids: frozenset[int]
    activities: tuple[Activity, ...]

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.activity_id == activity_id), None)

    def neighbours(self, activity: Activity) -> tuple[Activity | None, Activity | None]:
        """The activities just before and just after this one."""
        i = next(i for i, a in enumerate(self.activities) if a.pk == activity.pk)
        before = self.activities[i - 1] if i > 0 else None
        after = self.activities[i + 1] if i + 1 < len(self.activities) else None
        return before, after


# Shapes by ("slug", slug), and the course slugs of a set of tracks by ("tracks", ids).
_shapes: Memo[Any] = Memo("learning.course_shape", size=500)
_shapes.clear_on_save(Course, CourseVersion, Activity)
m2m_changed.connect(_shapes.clear, sender=Course.tracks.through, weak=False)


def course_shape(slug: str) -> CourseShape | None:
    """The imported course with this slug, as :class:`CourseShape`; None if there is none.
    Three queries when the process does not hold it, none when it does."""
    return _shapes.get(("slug", slug), lambda: _load_shape(slug))


def _load_shape(slug: str) -> CourseShape | None:
    course = (
        Course.objects.select_related("current_version")
        .filter(slug=slug, current_version__isnull=False)
        .first()
    )
    if course is None or course.current_version is None:
        return None
    return CourseShape(
        course=course,
        version=course.current_version,
        track_ids=frozenset(course.tracks.values_list("pk", flat=True)),
        activities=tuple(
            Activity.objects.filter(version=course.current_version).order_by("position")
        ),
    )


def _track_slugs(track_ids: frozenset[int]) -> tuple[str, ...]:
    """The slugs of the imported courses these tracks take, by title: one query, kept as the
    shapes are."""

    def load() -> tuple[str, ...]:
        return tuple(
            Course.objects.filter(tracks__in=track_ids, current_version__isnull=False)
            .distinct()
            .order_by("title", "slug")
            .values_list("slug", flat=True)
        )

    return _shapes.get(("tracks", track_ids), load) or ()


def _shape_for(course: Course) -> CourseShape | None:
    """The course's shape; read from the database (two queries) when the process holds
    another version than the one this course row names."""
    shape = shape_of(course)
    if shape is None and course.current_version_id is not None:
        version = CourseVersion.objects.get(pk=course.current_version_id)
        activities = tuple(Activity.objects.filter(version=version).order_by("position"))
        shape = CourseShape(course, version, frozenset(), activities)
    return shape


def shape_of(course: Course) -> CourseShape | None:
    """:func:`course_shape` for a course at hand, if it is the version this course row names
    (a row read before an import may name an older one: then None)."""
    shape = course_shape(course.slug)
    if shape is None or shape.version.pk != course.current_version_id:
        return None
    return shape


def taking(
    user: User, shape: CourseShape, figures: str | None = None, activity_id: str = ""
) -> Enrollment | None:
    """:func:`may_take` for a course's shape: the enrollment through which the user takes the
    course, with the ``figures`` (``"lesson"`` or ``"quiz"``) of ``activity_id``; one
    query."""
    values = {"course_id": shape.course.pk, "activity_id": activity_id} if figures else {}
    pairs = _enrollment_tracks(user, figures, **values)
    return next((e for e, track in pairs if track.pk in shape.track_ids), None)


def lesson_figures(course_id: int, activity_id: str) -> dict[str, Any]:
    """For :func:`taking`: when the learner finished this lesson (``lesson_done_at``)."""
    done = LessonProgress.objects.filter(
        user_id=OuterRef("user_id"), course_id=course_id, activity_id=activity_id
    )
    return {"lesson_done_at": Subquery(done.values("completed_at")[:1])}


def quiz_figures(course_id: int, activity_id: str) -> dict[str, Any]:
    """For :func:`taking`: the learner's standing at this quiz (read by
    :func:`standing_of`)."""
    attempts = (
        QuizAttempt.objects.filter(
            user_id=OuterRef("user_id"), course_id=course_id, activity_id=activity_id
        )
        .order_by()
        .values("user_id")
    )
    grants = (
        QuizAttemptGrant.objects.filter(
            user_id=OuterRef("user_id"), course_id=course_id, activity_id=activity_id
        )
        .order_by()
        .values("user_id")
    )
    return {
        "quiz_used": Subquery(attempts.annotate(n=Max("number")).values("n")),
        "quiz_best": Subquery(attempts.annotate(b=Max("score_percent")).values("b")),
        "quiz_extra": Subquery(grants.annotate(n=Count("id")).values("n")),
    }


def standing_of(enrollment: Enrollment, activity: Activity) -> QuizStanding:
    """The standing read by :func:`quiz_figures` with the enrollment."""
    best = getattr(enrollment, "quiz_best", None)
    return QuizStanding(
        used=getattr(enrollment, "quiz_used", None) or 0,
        best=None if best is None else _score(best),
        allowed=attempts_allowed(activity, getattr(enrollment, "quiz_extra", None) or 0),
    )


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


_attempt_numbered = Compiled(
    lambda user_id, course_id, activity_id, number: QuizAttempt.objects.filter(
        user_id=user_id, course_id=course_id, activity_id=activity_id, number=number
    )[:1]
)


def quiz_attempt(user: User, course: Course, activity_id: str, number: int) -> QuizAttempt | None:
    """A learner's attempt number ``number`` at one quiz, or None: one query."""
    found = _attempt_numbered(
        user_id=user.pk, course_id=course.pk, activity_id=activity_id, number=number
    )
    return found[0] if found else None


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


_best_scores = Compiled(
    lambda user_id, course_id: (
        QuizAttempt.objects.filter(user_id=user_id, course_id=course_id)
        .order_by()
        .values("activity_id")
        .annotate(best=Max("score_percent"))
        .values_list("activity_id", "best")
    )
)


def quiz_best_scores(user: User, course: Course) -> dict[str, Decimal]:
    """Best score of each quiz the learner took in this course, by quiz id: one query."""
    return {
        activity_id: _score(best)
        for activity_id, best in _best_scores(user_id=user.pk, course_id=course.pk)
    }


#: The lessons a learner finished in a course: (activity id, when).
lessons_done = Compiled(
    lambda user_id, course_id: LessonProgress.objects.filter(
        user_id=user_id, course_id=course_id
    ).values_list("activity_id", "completed_at")
)

#: A learner's completion of a course: a list of none or one.
completion_of = Compiled(
    lambda user_id, course_id: Completion.objects.filter(user_id=user_id, course_id=course_id)[:1]
)


def _outline_attempts(user_id: int, course_id: int) -> QuerySet[QuizAttempt, dict[str, Any]]:
    # The attempts granted beyond a quiz's limit ride along: a grant exists only for a quiz
    # the learner has attempts at.
    grants = (
        QuizAttemptGrant.objects.filter(
            user_id=user_id, course_id=course_id, activity_id=OuterRef("activity_id")
        )
        .order_by()
        .values("activity_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        QuizAttempt.objects.filter(user_id=user_id, course_id=course_id)
        .order_by()
        .values("activity_id")
        .annotate(
            best=Max("score_percent"),
            used=Count("id"),
            last=Max("submitted_at"),
            extra=Subquery(grants),
        )
    )


_outline_attempts_compiled = Compiled(_outline_attempts)


def attempts_allowed(activity: Activity, extra: int) -> int:
    """How many attempts a learner may make at a quiz: 0 for no limit, else ``max_attempts``
    plus the attempts granted to them."""
    return activity.max_attempts + extra if activity.max_attempts else 0


def learner_outline(user: User, course: Course) -> Outline | None:
    """The course's modules and activities with this learner's state: done, best score,
    attempts used and left (extra attempts granted included); how much is done and where to
    continue. Three queries, whatever the size of the course (the course's shape from the
    process, :func:`course_shape`); None for a course with no version imported."""
    shape = _shape_for(course)
    if shape is None:
        return None
    version = shape.version
    rules = version.completion_rules
    activities = shape.activities
    done_lessons = dict(lessons_done(user_id=user.pk, course_id=course.pk))
    attempts = {
        row["activity_id"]: row
        for row in _outline_attempts_compiled(user_id=user.pk, course_id=course.pk)
    }
    for row in attempts.values():
        row["best"] = _score(row["best"])
    best = {key: row["best"] for key, row in attempts.items()}
    extra = {key: row["extra"] or 0 for key, row in attempts.items()}
    completion = next(iter(completion_of(user_id=user.pk, course_id=course.pk)), None)
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


def completion_status(
    outline: Outline, enrollment: Enrollment | None, attendance: AttendanceFigures | None = None
) -> rules_.CompletionStatus:
    """What :func:`services.completion_evaluate` answers, without writing anything (for GET
    pages): complete once a Completion exists, else what is still missing under the current
    version's rules, from an outline already loaded. No query, but two for attendance when
    the rules count it, the learner has a cohort and ``attendance`` is not given."""
    if outline.completion is not None:
        return rules_.CompletionStatus(complete=True, completion=outline.completion)
    if enrollment is None:
        return rules_.CompletionStatus(complete=False, missing=[rules_.Missing("enrollment")])
    rules = outline.version.completion_rules
    states = outline.activities
    info = None
    if rules.attendance_min_percent is not None and enrollment.cohort_id is not None:
        figures = attendance or attendance_figures(enrollment)
        info = rules_.AttendanceInfo(True, figures.attended, figures.total)
    missing = rules_.evaluate(
        rules,
        [rules_.ActivityInfo(a.activity_id, a.kind, a.title) for a in states],
        {a.activity_id for a in states if not a.is_quiz and a.done},
        {a.activity_id: a.best_score for a in states if a.best_score is not None},
        info,
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


def _cohort_sessions_query(cohort_ids: list[int], enrollment_ids: list[int]) -> QuerySet[Session]:
    attended = Attendance.objects.filter(
        session=OuterRef("pk"), enrollment_id__in=enrollment_ids, status__in=Attendance.ATTENDED
    )
    return (
        Session.objects.filter(cohort_id__in=cohort_ids)
        .annotate(attended=Exists(attended))
        .order_by("starts_at", "pk")
    )


_cohort_sessions = Compiled(_cohort_sessions_query)


def learner_courses(user: User, *, now: dt.datetime | None = None) -> list[LearnerCourse]:
    """Each course the user may take (as :func:`courses_for`), with the enrollment and track
    through which they take it (as :func:`may_take` picks it), their outline, what they still
    lack, and their cohort's next live session. Two queries (three while waiting for a
    cohort), then three per course; the courses' shapes come from the process
    (:func:`course_shape`), the attendance figures from the same query as the sessions."""
    pairs = _enrollment_tracks(user)
    if not pairs:
        return []
    shapes = [
        shape
        for slug in _track_slugs(frozenset(t.pk for _e, t in pairs))
        if (shape := course_shape(slug)) is not None
    ]
    now = now or timezone.now()
    upcoming: dict[int, Session] = {}
    figures: dict[int, AttendanceFigures] = {}
    enrollment_ids = [e.pk for e, _t in pairs if e.cohort_id is not None]
    if enrollment_ids:
        counts: dict[int, list[int]] = {}
        for session in _cohort_sessions(
            cohort_ids={e.cohort_id for e, _t in pairs}, enrollment_ids=enrollment_ids
        ):
            if session.ends_at > now:
                upcoming.setdefault(session.cohort_id, session)
            held_total = counts.setdefault(session.cohort_id, [0, 0, 0])
            held_total[0] += session.attended  # type: ignore[attr-defined]
            held_total[1] += session.starts_at <= now
            held_total[2] += 1
        figures = {cid: AttendanceFigures(*n) for cid, n in counts.items()}
    out: list[LearnerCourse] = []
    for shape in shapes:
        pair = next(((e, t) for e, t in pairs if t.pk in shape.track_ids), None)
        outline = learner_outline(user, shape.course)
        if pair is None or outline is None:  # pragma: no cover - chosen by their tracks
            continue
        enrollment, track = pair
        cohort_id = enrollment.cohort_id or 0
        out.append(
            LearnerCourse(
                course=shape.course,
                enrollment=enrollment,
                track=track,
                outline=outline,
                status=completion_status(
                    outline, enrollment, figures.get(cohort_id, AttendanceFigures(0, 0, 0))
                ),
                next_session=upcoming.get(cohort_id),
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


def _standing_query(
    user_id: int, course_id: int, activity_id: str
) -> QuerySet[QuizAttempt, dict[str, Any]]:
    grants = (
        QuizAttemptGrant.objects.filter(
            user_id=user_id, course_id=course_id, activity_id=activity_id
        )
        .order_by()
        .values("activity_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        QuizAttempt.objects.filter(user_id=user_id, course_id=course_id, activity_id=activity_id)
        .order_by()
        .values("activity_id")
        .annotate(used=Max("number"), best=Max("score_percent"), extra=Subquery(grants))
        .order_by("activity_id")[:1]
    )


_standing = Compiled(_standing_query)


def quiz_standing(user: User, course: Course, activity: Activity) -> QuizStanding:
    """Attempts used (numbered 1, 2, 3 with no gap), best score and attempts allowed at one
    quiz: one query (the attempts granted ride along; a grant exists only for a quiz the
    learner has attempts at)."""
    found = _standing(user_id=user.pk, course_id=course.pk, activity_id=activity.activity_id)
    row = found[0] if found else None
    if row is None:
        return QuizStanding(used=0, best=None, allowed=attempts_allowed(activity, 0))
    return QuizStanding(
        used=row["used"] or 0,
        best=None if row["best"] is None else _score(row["best"]),
        allowed=attempts_allowed(activity, row["extra"] or 0),
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
