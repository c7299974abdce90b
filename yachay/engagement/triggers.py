"""Who each trigger picks now: one set-based query (or a few) per rule, whatever the number
of learners; nothing here writes. Each returns :class:`Candidate` rows, one per person and
occurrence, with the values its templates may use (raw: dates are formatted later, in the
person's language).

The occurrence is what makes a message once-only: a session id, an inactivity streak (the
day of the last activity), an attempt id, an offer id, a certificate id.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    F,
    Max,
    QuerySet,
)

from yachay.certificates.models import Certificate
from yachay.cohorts.models import Attendance, Enrollment, Session
from yachay.engagement.rules import Rule
from yachay.learning import completion
from yachay.learning.models import Activity, Course, LessonProgress, QuizAttempt
from yachay.selection.models import Offer

# A learner's inactivity is caught within this long of crossing a rule's threshold; later,
# the next threshold's rule takes over (a worker down for a week sends no late 3-day nudge).
INACTIVE_CATCH = dt.timedelta(days=2)

PERSON = {
    "application_id": "application_id",
    "user_id": "user_id",
    "given_names": "application__given_names",
    "language": "application__language",
    "program": "application__call__program__name",
    "email": "application__email",
    "phone": "application__phone",
}


@dataclass(frozen=True)
class Candidate:
    application_id: int
    user_id: int | None
    occurrence: str
    language: str
    values: dict[str, Any] = field(default_factory=dict)
    # For the .ics of a session reminder.
    session_id: int | None = None


def _first_name(given: str) -> str:
    return (given or "").split(" ")[0]


def _person(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The values every template may use, and the contact (``_email``, ``_phone``: kept out
    of the templates) read by the same query, so that no query is made per person."""
    return {
        "first_name": _first_name(row[prefix + "given_names"]),
        "program": row[prefix + "program"],
        "_email": (row[prefix + "email"] or "").strip().lower(),
        "_phone": row[prefix + "phone"] or "",
    }


def active_enrollments(rule: Rule) -> QuerySet[Enrollment]:
    """The learners a learner rule may speak to: in a cohort of one of its modalities."""
    return Enrollment.objects.filter(
        status=Enrollment.Status.ACTIVE, cohort__modality__in=rule.modalities
    )


def _session_rows(rule: Rule, sessions: QuerySet[Session]) -> list[Any]:
    fields = {f"e_{k}": f"cohort__enrollments__{v}" for k, v in PERSON.items()}
    return list(
        sessions.filter(
            cohort__enrollments__status=Enrollment.Status.ACTIVE,
            cohort__modality__in=rule.modalities,
        ).values(
            "id",
            "topic",
            "starts_at",
            "place",
            "meeting_url",
            "cohort__name",
            "cohort__venue",
            "cohort__enrollments__id",
            **{k: F(v) for k, v in fields.items()},
        )
    )


def session_upcoming(rule: Rule, now: dt.datetime, cache: dict[Any, Any]) -> list[Candidate]:
    hours, lower = rule.params["hours_before"], rule.params.get("not_within_hours", 0)
    sessions = Session.objects.filter(
        starts_at__gt=now + dt.timedelta(hours=lower),
        starts_at__lte=now + dt.timedelta(hours=hours),
    )
    return [
        Candidate(
            application_id=r["e_application_id"],
            user_id=r["e_user_id"],
            occurrence=f"session:{r['id']}",
            language=r["e_language"],
            values={
                **_person(r, "e_"),
                "topic": r["topic"],
                "when": r["starts_at"],
                "where": r["meeting_url"] or r["place"] or r["cohort__venue"] or "—",
                "cohort": r["cohort__name"],
            },
            session_id=r["id"],
        )
        for r in _session_rows(rule, sessions)
    ]


def session_missed(rule: Rule, now: dt.datetime, cache: dict[Any, Any]) -> list[Candidate]:
    since = now - dt.timedelta(hours=rule.params["within_hours"])
    sessions = Session.objects.filter(ends_at__lte=now, ends_at__gt=since)
    rows = _session_rows(rule, sessions)
    # Who was there (or excused), among these sessions: one query.
    seen = set(
        Attendance.objects.filter(session__in=sessions)
        .exclude(status=Attendance.Status.ABSENT)
        .values_list("session_id", "enrollment_id")
    )
    return [
        Candidate(
            application_id=r["e_application_id"],
            user_id=r["e_user_id"],
            occurrence=f"session:{r['id']}",
            language=r["e_language"],
            values={
                **_person(r, "e_"),
                "topic": r["topic"],
                "when": r["starts_at"],
                "cohort": r["cohort__name"],
            },
        )
        for r in rows
        if (r["id"], r["cohort__enrollments__id"]) not in seen
    ]


def _last_active_rows(enrollments: QuerySet[Enrollment]) -> list[dict[str, Any]]:
    """The enrollments' rows, each with ``last_active``: its latest lesson, attempt or
    attendance, or the day it began. Four queries whatever the number of learners: three
    grouped maxima (one pass each; faster than a subquery per row) joined here."""
    users = enrollments.values("user_id")
    lesson = dict(
        LessonProgress.objects.filter(user__in=users)
        .order_by()
        .values_list("user_id")
        .annotate(m=Max("completed_at"))
        .values_list("user_id", "m")
    )
    attempt = dict(
        QuizAttempt.objects.filter(user__in=users)
        .order_by()
        .values_list("user_id")
        .annotate(m=Max("submitted_at"))
        .values_list("user_id", "m")
    )
    attended = dict(
        Attendance.objects.filter(enrollment__in=enrollments, status__in=Attendance.ATTENDED)
        .order_by()
        .values_list("enrollment_id")
        .annotate(m=Max("session__starts_at"))
        .values_list("enrollment_id", "m")
    )
    rows = _enrollment_rows(enrollments, "status_changed_at", "created_at")
    for r in rows:
        began = r["status_changed_at"] or r["created_at"]
        r["last_active"] = max(
            began,
            lesson.get(r["user_id"]) or began,
            attempt.get(r["user_id"]) or began,
            attended.get(r["id"]) or began,
        )
    return rows


@dataclass
class _Outline:
    """The current versions' activities of the courses of each track, in course order."""

    by_track: dict[int, list[tuple[int, str]]]  # track id → [(course id, course title)]
    items: dict[int, list[tuple[str, str, str]]]  # course id → [(activity id, kind, title)]
    rules: dict[int, Any]  # course id → CompletionRules

    @classmethod
    def load(cls) -> _Outline:
        by_track: dict[int, list[tuple[int, str]]] = defaultdict(list)
        rules: dict[int, Any] = {}
        versions: dict[int, int] = {}
        for course in (
            Course.objects.filter(current_version__isnull=False)
            .select_related("current_version")
            .prefetch_related("tracks")
        ):
            assert course.current_version is not None
            versions[course.current_version.pk] = course.pk
            rules[course.pk] = course.current_version.completion_rules
            for track in course.tracks.all():
                by_track[track.pk].append((course.pk, course.title))
        items: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for version_id, activity_id, kind, title in (
            Activity.objects.filter(version_id__in=list(versions))
            .values_list("version_id", "activity_id", "kind", "title")
            .order_by("position")
        ):
            items[versions[version_id]].append((activity_id, kind, title))
        return cls(by_track=dict(by_track), items=dict(items), rules=rules)


def _done(users: QuerySet[Any], outline: _Outline) -> dict[tuple[int, int], set[str]]:
    """(user, course) → the activity ids done (lessons finished; quizzes passed, or taken
    where the course has no pass mark); two queries."""
    done: dict[tuple[int, int], set[str]] = defaultdict(set)
    for user_id, course_id, activity_id in LessonProgress.objects.filter(
        user__in=users
    ).values_list("user_id", "course_id", "activity_id"):
        done[(user_id, course_id)].add(activity_id)
    kinds = {(course_id, a): k for course_id, items in outline.items.items() for a, k, _t in items}
    for user_id, course_id, activity_id, best in (
        QuizAttempt.objects.filter(user__in=users)
        .values("user_id", "course_id", "activity_id")
        .annotate(best=Max("score_percent"))
        .values_list("user_id", "course_id", "activity_id", "best")
    ):
        rules = outline.rules.get(course_id)
        kind = kinds.get((course_id, activity_id))
        if rules is None or kind is None:
            continue
        if completion.activity_done(rules, kind, activity_id, set(), {activity_id: best}):
            done[(user_id, course_id)].add(activity_id)
    return done


def _enrollment_rows(enrollments: QuerySet[Enrollment], *extra: str) -> list[dict[str, Any]]:
    named = {k: F(v) for k, v in PERSON.items() if k not in ("application_id", "user_id")}
    return list(
        enrollments.values("id", "cohort__track_id", "application_id", "user_id", *extra, **named)
    )


def inactive(rule: Rule, now: dt.datetime, cache: dict[Any, Any]) -> list[Candidate]:
    days = rule.params["days"]
    threshold = now - dt.timedelta(days=days)
    key = ("last_active", rule.modalities)
    if key not in cache:
        # Every active learner's last activity, once for the three inactivity rules.
        # Completed learners' enrollments are no longer active: nobody is nudged after the end.
        cache[key] = _last_active_rows(active_enrollments(rule))
    rows = [r for r in cache[key] if threshold - INACTIVE_CATCH < r["last_active"] <= threshold]
    if not rows:
        return []
    outline = _outline(cache)
    done = _done_cached(rule, cache)
    out = []
    for r in rows:
        next_lesson = course_title = None
        for course_id, title in outline.by_track.get(r["cohort__track_id"], []):
            left = [
                t
                for a, k, t in outline.items.get(course_id, [])
                if a not in done.get((r["user_id"], course_id), set())
            ]
            if left:
                next_lesson, course_title = left[0], title
                break
        if next_lesson is None or course_title is None:
            continue  # nothing left to do: not a learner to nudge
        out.append(
            Candidate(
                application_id=r["application_id"],
                user_id=r["user_id"],
                occurrence=f"since:{r['last_active']:%Y-%m-%d}",
                language=r["language"],
                values={
                    **_person(r),
                    "days": days,
                    "next_lesson": next_lesson,
                    "course": course_title,
                },
            )
        )
    return out


def one_item_left(rule: Rule, now: dt.datetime, cache: dict[Any, Any]) -> list[Candidate]:
    outline = _outline(cache)
    rows = _enrollment_rows(active_enrollments(rule))
    done = _done_cached(rule, cache)
    out = []
    for r in rows:
        for course_id, title in outline.by_track.get(r["cohort__track_id"], []):
            mine = done.get((r["user_id"], course_id), set())
            left = [(a, t) for a, _k, t in outline.items.get(course_id, []) if a not in mine]
            if len(left) == 1 and mine:
                out.append(
                    Candidate(
                        application_id=r["application_id"],
                        user_id=r["user_id"],
                        occurrence=f"course:{course_id}:{left[0][0]}",
                        language=r["language"],
                        values={**_person(r), "item": left[0][1], "course": title},
                    )
                )
    return out


def quiz_failed(rule: Rule, now: dt.datetime, cache: dict[Any, Any]) -> list[Candidate]:
    since = now - dt.timedelta(hours=rule.params["within_hours"])
    outline = _outline(cache)
    enrollments = active_enrollments(rule)
    attempts = QuizAttempt.objects.filter(
        submitted_at__gt=since, submitted_at__lte=now, user__in=enrollments.values("user_id")
    )
    later_pass: dict[tuple[int, int, str], Decimal] = {
        (u, c, a): best
        for u, c, a, best in attempts.values("user_id", "course_id", "activity_id")
        .annotate(best=Max("score_percent"))
        .values_list("user_id", "course_id", "activity_id", "best")
    }
    titles = {(c, a): (k, t) for c, items in outline.items.items() for a, k, t in items}
    people = {
        r["user_id"]: r
        for r in _enrollment_rows(enrollments.filter(user__in=attempts.values("user_id")))
    }
    out = []
    seen: set[tuple[int, int, str]] = set()
    for attempt_id, user_id, course_id, activity_id, score in attempts.order_by(
        "-submitted_at"
    ).values_list("id", "user_id", "course_id", "activity_id", "score_percent"):
        key = (user_id, course_id, activity_id)
        rules = outline.rules.get(course_id)
        kind, title = titles.get((course_id, activity_id), ("", activity_id))
        mark = completion.pass_mark(rules, kind) if rules else None
        if key in seen or mark is None or later_pass[key] >= mark or user_id not in people:
            continue
        seen.add(key)  # the latest failed attempt only
        r = people[user_id]
        course_title = next(
            (t for c, t in outline.by_track.get(r["cohort__track_id"], []) if c == course_id), ""
        )
        out.append(
            Candidate(
                application_id=r["application_id"],
                user_id=user_id,
                occurrence=f"attempt:{attempt_id}",
                language=r["language"],
                values={**_person(r), "quiz": title, "score": score, "course": course_title},
            )
        )
    return out


def offer_deadline(rule: Rule, now: dt.datetime, cache: dict[Any, Any]) -> list[Candidate]:
    rows = Offer.objects.filter(
        state=Offer.State.PENDING,
        expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(hours=rule.params["hours_before"]),
    ).values(
        "id",
        "expires_at",
        application_id=F("decision__application_id"),
        given_names=F("decision__application__given_names"),
        language=F("decision__application__language"),
        program=F("decision__application__call__program__name"),
        email=F("decision__application__email"),
        phone=F("decision__application__phone"),
    )
    return [
        Candidate(
            application_id=r["application_id"],
            user_id=None,
            occurrence=f"offer:{r['id']}",
            language=r["language"],
            values={**_person(r), "deadline": r["expires_at"], "offer_id": r["id"]},
        )
        for r in rows
    ]


def certificate_ready(rule: Rule, now: dt.datetime, cache: dict[Any, Any]) -> list[Candidate]:
    rows = Certificate.objects.filter(
        revoked_at__isnull=True,
        issued_at__gt=now - dt.timedelta(days=rule.params["within_days"]),
        issued_at__lte=now,
    ).values(
        "id",
        "code",
        "user_id",
        application_id=F("enrollment__application_id"),
        given_names=F("enrollment__application__given_names"),
        language=F("enrollment__application__language"),
        program=F("enrollment__application__call__program__name"),
        email=F("enrollment__application__email"),
        phone=F("enrollment__application__phone"),
        track_name=F("track__name"),
    )
    return [
        Candidate(
            application_id=r["application_id"],
            user_id=r["user_id"],
            occurrence=f"certificate:{r['id']}",
            language=r["language"],
            values={**_person(r), "track": r["track_name"], "code": r["code"]},
        )
        for r in rows
    ]


EVALUATORS: dict[str, Callable[[Rule, dt.datetime, dict[Any, Any]], list[Candidate]]] = {
    "session_upcoming": session_upcoming,
    "session_missed": session_missed,
    "inactive": inactive,
    "quiz_failed": quiz_failed,
    "one_item_left": one_item_left,
    "offer_deadline": offer_deadline,
    "certificate_ready": certificate_ready,
}


def candidates(
    rule: Rule, now: dt.datetime, cache: dict[Any, Any] | None = None
) -> list[Candidate]:
    """Who ``rule`` picks at ``now``. ``cache`` (one per evaluation run) shares what several
    rules read alike: the course outlines, learners' last activity and what they have done."""
    return EVALUATORS[rule.trigger](rule, now, {} if cache is None else cache)


def _outline(cache: dict[Any, Any]) -> _Outline:
    if "outline" not in cache:
        cache["outline"] = _Outline.load()
    return cache["outline"]


def _done_cached(rule: Rule, cache: dict[Any, Any]) -> dict[tuple[int, int], set[str]]:
    key = ("done", rule.modalities)
    if key not in cache:
        cache[key] = _done(active_enrollments(rule).values("user_id"), _outline(cache))
    return cache[key]
