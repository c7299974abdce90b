"""A call that has gone the whole way, so the reports have something true to show on first
start: "Convocatoria 2026-II", opened 18 weeks ago and closed 14 weeks ago, with
synthetic applicants, a selection solved and published by the real services, offers
accepted or declined, cohorts filled by the real assignment, six weekly sessions held (the
cohorts ended yesterday),
lessons done, quizzes graded by the real grader, and completions decided by the real rules.

The process (docs/demo-data.md, "The history"), seeded so it is the same every time:

1. applicants: ``demo.applicants.iter_applicants`` (the same generator as the open call,
   another seed), submitted over the four weeks the call was open;
2. selection: a lottery policy with a published seed, targets as close as they can be met
   (the call is for the course's audience, MYPE owners and entrepreneurs, so the MYPE
   experts' target falls short, and the reports say so); ``selection_dry_run`` then
   ``selection_publish``;
3. offers: 85 % accepted (``offer_accept``), the rest declined (``offer_decline``);
4. cohorts: four in person (Cusco, Lima, Arequipa, Piura) and four virtual, taught by the
   demo instructor and two more; ``cohorts_assign`` places the learners;
5. learning, per learner, from a seeded "engagement" between 0 and 1: attendance at each
   of the six sessions (more likely the more engaged), then the course's activities in
   order until the learner stops (the engaged finish; the others stop, most often at the
   third module's quiz); each quiz answered question by question, right with a chance
   that grows with engagement and falls with the question's difficulty, and graded by
   ``learning.grading``; ``completions_evaluate`` decides who completed;
6. dates: what the services stamped "now" is moved back to when it happened in the story
   (submissions, decisions, offers, enrollments, lessons, attempts, completions), so the
   weekly series and "active in the last 14 days" read as a real program would.

Shortcuts, said plainly: offers are answered by the system actor, not by each person
signing in; lessons and attempts are written in bulk (a learner's clicks are not replayed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.cohorts.services import cohorts_assign
from yachay.core.actors import SYSTEM, Actor
from yachay.core.services import audit_record
from yachay.demo.applicants import (
    CallWindow,
    _insert_applications,
    iter_applicants,
)
from yachay.intake.models import Application
from yachay.learning import grading
from yachay.learning.course_format.model import Question
from yachay.learning.models import (
    Activity,
    Completion,
    Course,
    CourseVersion,
    LessonProgress,
    QuizAttempt,
)
from yachay.learning.services import completions_evaluate
from yachay.programs.models import Call, Program
from yachay.reports.services import learner_activity_refresh
from yachay.selection.models import Decision, Offer, SelectionPolicy
from yachay.selection.services import (
    offer_accept,
    offer_decline,
    selection_dry_run,
    selection_publish,
)

CALL_SLUG = "ia-mypes-2026-ii"
TRACK_SLUG = "ia-para-tu-negocio"
DEFAULT_APPLICANTS = 1_800
SEATS = 480
SEED = 2026
ACCEPT_SHARE = 0.85
SESSIONS = 6
# (name, modality, department or "", slot)
COHORTS = [
    ("Cusco · mañana 2026-II", "in_person", "08", "morning"),
    ("Lima · noche 2026-II", "in_person", "15", "evening"),
    ("Arequipa · noche 2026-II", "in_person", "04", "evening"),
    ("Piura · tarde 2026-II", "in_person", "20", "afternoon"),
    ("Lima · mañana 2026-II", "in_person", "15", "morning"),
    ("Trujillo · noche 2026-II", "in_person", "13", "evening"),
    ("Huancayo · noche 2026-II", "in_person", "12", "evening"),
    ("Puno · noche 2026-II", "in_person", "21", "evening"),
    ("Chiclayo · noche 2026-II", "in_person", "14", "evening"),
    ("Virtual · mañana 2026-II", "virtual", "", "morning"),
    ("Virtual · tarde 2026-II", "virtual", "", "afternoon"),
    ("Virtual · noche 2026-II", "virtual", "", "evening"),
    ("Virtual · fin de semana 2026-II", "virtual", "", "weekend"),
]
INSTRUCTORS = ["instructora.cusco", "instructor.lima", "instructora.arequipa"]


class HistoryError(Exception):
    pass


@dataclass(frozen=True)
class History:
    call: Call
    applications: int
    admitted: int
    placed: int
    completed: int


def _difficulty(question_id: str) -> float:
    """A fixed difficulty per question (0.15 easy .. 0.75 hard), from a hash of its id, so the
    questions differ and the quality page has a spread to show."""
    h = int(hashlib.sha256(question_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return 0.15 + 0.6 * h


def _answer(q: Question, right: bool) -> Any:
    """An answer to ``q``: the right one, or a plausible wrong one."""
    if q.type in ("single", "multiple"):
        good = [o.id for o in q.options if o.correct]
        bad = [o.id for o in q.options if not o.correct] or good
        if q.type == "single":
            return good[0] if right and good else bad[0]
        return good if right else bad[:1]
    if q.type == "true_false":
        return q.answer if right else (not q.answer)
    if q.type == "numeric":
        value = float(q.answer or 0)
        return str(value if right else value + 1000)
    if q.type == "ordering":
        ids = [i.id for i in q.items]
        return ids if right else list(reversed(ids))
    if q.type == "text":
        return (q.accept[0] if q.accept else "") if right else "no sé"
    return None


def _attempts(
    rng: Random,
    e: Enrollment,
    course: Course,
    version: CourseVersion,
    activity: Activity,
    engagement: float,
    when: dt.datetime,
) -> list[QuizAttempt]:
    """A learner's attempts at one quiz: answered question by question, graded by the real
    grader; a learner below 70 % tries again (up to the quiz's limit, at most 3), better
    prepared each time."""
    quiz = activity.as_quiz()
    limit = min(3, activity.max_attempts or 3)
    out: list[QuizAttempt] = []
    for number in range(1, limit + 1):
        boost = 0.2 * (number - 1)
        answers = {
            q.id: _answer(q, rng.random() < 0.45 + 0.8 * engagement + boost - _difficulty(q.id))
            for q in quiz.questions
        }
        result = grading.grade_quiz(quiz, answers)
        out.append(
            QuizAttempt(
                user=e.user,
                course=course,
                version=version,
                activity_id=activity.activity_id,
                number=number,
                answers=answers,
                results={
                    qid: {
                        "correct": r.correct,
                        "points": r.points_earned,
                        "points_possible": r.points_possible,
                        "answered": r.answered,
                        "feedback": [],
                        "explanation": "",
                    }
                    for qid, r in result.results.items()
                },
                score_percent=Decimal(str(result.score_percent)),
                submitted_at=when + dt.timedelta(minutes=20 * (number - 1)),
            )
        )
        if result.score_percent >= 70:
            break
    return out


def _instructors(actor: Actor) -> list[User]:
    out = []
    for username in INSTRUCTORS:
        user = User.objects.filter(username=username).first()
        if user is None:
            # No password: these two only appear in the reports (the demo instructor signs in).
            user = user_create(username=username, role=Role.INSTRUCTOR, actor=actor)
        out.append(user)
    return out


def demo_history_load(
    *,
    program: Program,
    template: Call,
    applicants: int = DEFAULT_APPLICANTS,
    seed: int = SEED,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
) -> History:
    """Make the call that went the whole way (see the module). ``template`` gives the
    consent text and ages (the open demo call). Needs the course ``ia-para-tu-negocio``
    imported (the classroom step does it)."""
    now = now or timezone.now()
    rng = Random(seed)
    if applicants < 1:
        raise HistoryError("The history needs at least one applicant.")
    if Call.objects.filter(slug=CALL_SLUG).exists():
        raise HistoryError(f"The call {CALL_SLUG!r} exists already.")
    course = Course.objects.filter(slug=TRACK_SLUG, current_version__isnull=False).first()
    if course is None:
        raise HistoryError(f"Import the course {TRACK_SLUG!r} first.")
    track = program.tracks.get(slug=TRACK_SLUG)
    opens = now - dt.timedelta(weeks=18)
    closes = now - dt.timedelta(weeks=14)
    with transaction.atomic():
        call = Call.objects.create(
            program=program,
            title="Convocatoria 2026-II",
            slug=CALL_SLUG,
            description="La convocatoria anterior: seleccionada, en cohortes y casi terminada.",
            opens_at=opens,
            closes_at=closes,
            seats=SEATS,
            min_age=template.min_age,
            max_age=template.max_age,
            # The track's audience only: everyone admitted takes the one demo course (the
            # other segments' applications are found not eligible, as they would be).
            allowed_segments=list(track.audience or template.allowed_segments),
            ruc_required_segments=template.ruc_required_segments,
            consent_version=template.consent_version,
            consent_text=template.consent_text,
        )
        taken = set(Application.objects.values_list("reference", flat=True))
        window = CallWindow.of(call, closes)
        records = iter_applicants(applicants, seed=seed, window=window, taken_references=taken)
        inserted = _insert_applications(records, call=call, api_key=None, batch_size=2000)
        SelectionPolicy.objects.create(
            call=call,
            kind=SelectionPolicy.Kind.LOTTERY,
            seed=f"sorteo-{CALL_SLUG}",
            # The MYPE experts' target cannot be met by a call for owners and entrepreneurs:
            # the closest selection is published, and the reports show the shortfall.
            mode=SelectionPolicy.Mode.CLOSEST,
        )
    run = selection_dry_run(call=call, actor=actor)
    selection_publish(run=run, actor=actor)
    decided_at = closes + dt.timedelta(days=5)

    offers = list(
        Offer.objects.filter(decision__run=run)
        .select_related("decision__application")
        .order_by("decision__application__reference")
    )
    for offer in offers:
        if rng.random() < ACCEPT_SHARE:
            offer_accept(offer=offer, actor=actor)
        else:
            offer_decline(offer=offer, actor=actor)

    teachers = _instructors(actor)
    course_start = timezone.localdate(now) - dt.timedelta(weeks=SESSIONS)
    with transaction.atomic():
        cohorts = []
        for i, (name, modality, department, slot) in enumerate(COHORTS):
            cohort = Cohort.objects.create(
                call=call,
                track=track,
                name=name,
                modality=modality,
                department=department,
                venue="Sede del programa" if department else "",
                slot=slot,
                capacity=40,
                starts_on=course_start,
                # The last day is yesterday: the cohorts have ended, so whether each learner
                # completed is known (the at-risk model learns from finished cohorts only).
                ends_on=course_start + dt.timedelta(weeks=SESSIONS) - dt.timedelta(days=1),
            )
            cohort.instructors.add(teachers[i % len(teachers)])
            cohorts.append(cohort)
        report = cohorts_assign(call=call, actor=actor)
        sessions: dict[int, list[Session]] = {}
        topics = [
            "Qué es la IA",
            "Tus datos",
            "Pedirle bien a la IA",
            "Ventas con IA",
            "Riesgos y Ley 29733",
            "Tu plan",
        ]
        for cohort in cohorts:
            first = timezone.make_aware(
                dt.datetime.combine(course_start + dt.timedelta(days=1), dt.time(19))
            )
            made = Session.objects.bulk_create(
                Session(
                    cohort=cohort,
                    topic=topics[k],
                    starts_at=first + dt.timedelta(weeks=k),
                    ends_at=first + dt.timedelta(weeks=k, hours=2),
                )
                for k in range(SESSIONS)
            )
            sessions[cohort.pk] = made

    version = course.current_version
    assert version is not None
    activities = list(Activity.objects.filter(version=version).order_by("position"))
    enrollments = list(
        Enrollment.objects.filter(application__call=call, cohort__isnull=False)
        .select_related("user")
        .order_by("pk")
    )
    # Where the less engaged stop: most often at the third module's quiz.
    hard_stop = next(
        (i for i, a in enumerate(activities) if a.is_quiz and a.module_position >= 2),
        len(activities) // 2,
    )
    span = (now - dt.timedelta(hours=2)) - timezone.make_aware(
        dt.datetime.combine(course_start, dt.time(9))
    )
    started = timezone.make_aware(dt.datetime.combine(course_start, dt.time(9)))
    attendance: list[Attendance] = []
    lessons: list[LessonProgress] = []
    attempts: list[QuizAttempt] = []
    last_seen: dict[int, dt.datetime] = {}
    with transaction.atomic():
        for e in enrollments:
            engagement = rng.random()
            if engagement > 0.45:
                stop = len(activities)
            elif rng.random() < 0.5:
                stop = hard_stop
            else:
                stop = rng.randrange(0, len(activities))
            # Fast learners finish early; the others spread over the six weeks.
            pace = 0.55 + 0.4 * rng.random()
            when = started
            for k, activity in enumerate(activities[:stop]):
                when = started + span * pace * (k + 1) / len(activities)
                when += dt.timedelta(minutes=rng.randrange(0, 600))
                when = min(when, now - dt.timedelta(minutes=30))
                if activity.is_quiz:
                    attempts.extend(_attempts(rng, e, course, version, activity, engagement, when))
                else:
                    lessons.append(
                        LessonProgress(
                            user=e.user,
                            course=course,
                            activity_id=activity.activity_id,
                            completed_at=when,
                        )
                    )
            # Learners who stop stop coming too: sessions up to a week after their last step.
            until = when + dt.timedelta(weeks=1) if stop < len(activities) else now
            for s in sessions[e.cohort_id or 0]:
                if s.starts_at <= until and rng.random() < 0.5 + 0.5 * engagement:
                    attendance.append(
                        Attendance(
                            enrollment=e,
                            session=s,
                            status=Attendance.Status.PRESENT,
                            method=Attendance.Method.MANUAL,
                            recorded_at=s.starts_at,
                        )
                    )
            last_seen[e.pk] = when
        Attendance.objects.bulk_create(attendance, batch_size=2000)
        LessonProgress.objects.bulk_create(lessons, batch_size=2000)
        QuizAttempt.objects.bulk_create(attempts, batch_size=2000)

    completed = 0
    for e in enrollments:
        statuses = completions_evaluate(enrollment=e, actor=actor)
        if any(getattr(s, "complete", False) for s in statuses):
            completed += 1

    _backdate(call, run_id=run.pk, decided_at=decided_at, last_seen=last_seen, course=course)
    learner_activity_refresh()  # the reports' "active" stage, at once (the worker keeps it)
    audit_record(
        actor=actor,
        action="demo.history",
        obj=call,
        changes={"applications": inserted, "placed": report.placed, "completed": completed},
    )
    admitted = Decision.objects.filter(run=run, outcome=Decision.Outcome.ADMITTED).count()
    return History(call, inserted, admitted, report.placed, completed)


@transaction.atomic
def _backdate(
    call: Call,
    *,
    run_id: int,
    decided_at: dt.datetime,
    last_seen: dict[int, dt.datetime],
    course: Course,
) -> None:
    """Move what the services stamped "now" back to when it happened in the story."""
    from django.db.models import F

    Application.objects.filter(call=call).update(created_at=F("consent_at"))
    from yachay.selection.models import SelectionRun

    SelectionRun.objects.filter(pk=run_id).update(
        created_at=decided_at - dt.timedelta(hours=1), published_at=decided_at
    )
    Decision.objects.filter(run_id=run_id).update(decided_at=decided_at)
    Offer.objects.filter(decision__run_id=run_id).update(
        created_at=decided_at,
        expires_at=decided_at + dt.timedelta(days=7),
        responded_at=decided_at + dt.timedelta(days=2),
    )
    Enrollment.objects.filter(application__call=call).update(
        created_at=decided_at + dt.timedelta(days=2)
    )
    done = Enrollment.objects.filter(application__call=call, status=Enrollment.Status.COMPLETED)
    for e in done.only("pk", "user_id"):
        when = last_seen.get(e.pk)
        if when is None:
            continue
        Enrollment.objects.filter(pk=e.pk).update(status_changed_at=when)
        Completion.objects.filter(user_id=e.user_id, course=course).update(completed_at=when)
