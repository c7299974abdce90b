"""Evaluating every message rule for 20,000 learners, set-based, against a per-learner
baseline measured in the same run.

Run: ``.venv/bin/python bench/engagement_bench.py`` (``make bench-engagement``).

It makes a fresh PostgreSQL database (``yachay_engage`` by default; ``--db``; dropped and
made again), imports the demo course, and bulk-loads ``--learners`` active learners in
cohorts of 200, each cohort with a session tomorrow and one yesterday, and a documented
history: each learner finished a random number of lessons (uniform 0..n), the last one a
random 0–20 days ago; 1 in 5 took the first quiz, half of them below the pass mark; 1 in 3
attended yesterday's session.

Timed, ``--rounds`` times (median): ``services.messages_evaluate`` with every rule of
``content/nudges/`` at 10:00 in Lima, the messages of the round deleted before the next. The
queries are counted at 2,000 learners first, then at the full count: the reads must not grow.

Baseline, in the same run: the obvious per-learner loop (for each enrollment: its last
lesson, last attempt, last attendance, its next lesson, its sessions, whether it already has
the message: one query each) over a sample of ``--sample`` learners, scaled up to all of them.
Results go to ``bench/results/engagement.md`` (copy them into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LIMA = ZoneInfo("America/Lima")


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--db", default="yachay_engage")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "engagement.md")
    args = parser.parse_args()
    fresh_database(args.db)
    return run(args)


def fresh_database(db: str) -> None:
    """Drop and make ``db`` again, set Django up on it (tasks run at once, mail kept in
    memory) and migrate (shared with bench/risk_bench.py)."""
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {db}")
    os.environ.update(
        DATABASE_URL=f"{PG}/{db}",
        DJANGO_SETTINGS_MODULE="yachay.settings",
        YACHAY_TASKS="immediate",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_learners(start: int, count: int, ctx: dict, now: dt.datetime) -> None:
    from yachay.accounts.models import User
    from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
    from yachay.intake.models import Application
    from yachay.learning.models import LessonProgress, QuizAttempt

    rng = random.Random(start)
    call, track, course, version = ctx["call"], ctx["track"], ctx["course"], ctx["version"]
    lessons, quiz = ctx["lessons"], ctx["quiz"]
    per_cohort = 200
    cohorts = []
    for c in range(start // per_cohort, (start + count) // per_cohort):
        cohorts.append(
            Cohort(
                call=call, track=track, name=f"Cohorte {c}", modality="virtual", slot="evening",
                capacity=per_cohort, starts_on=now.date(), ends_on=now.date() + dt.timedelta(days=60),
            )
        )  # fmt: skip
    Cohort.objects.bulk_create(cohorts)
    sessions = []
    for cohort in cohorts:
        sessions.append(Session(cohort=cohort, topic="Prompts", starts_at=now + dt.timedelta(hours=20), ends_at=now + dt.timedelta(hours=22), meeting_url="https://meet.example.pe/x"))  # fmt: skip
        sessions.append(Session(cohort=cohort, topic="Datos", starts_at=now - dt.timedelta(hours=26), ends_at=now - dt.timedelta(hours=24), meeting_url="https://meet.example.pe/y"))  # fmt: skip
    Session.objects.bulk_create(sessions)
    apps, users = [], []
    for i in range(start, start + count):
        apps.append(
            Application(
                call=call, reference=f"B{i:08d}", status="enrolled", source="web",
                dni=f"{i:08d}", given_names="Killa Rosa", paternal_surname="Quispe",
                birth_date=dt.date(1990, 1, 1), gender="female", email=f"p{i}@example.pe",
                phone="+51987654321", ubigeo="150101", department="15", segment="entrepreneur",
                digital_level=3, modality="virtual", schedules=["evening"],
                consent_version="2026-1", consent_at=now, consent_ip="127.0.0.1",
            )
        )  # fmt: skip
        users.append(User(username=f"bench{i}", email=f"p{i}@example.pe", role="learner"))
    Application.objects.bulk_create(apps, batch_size=2000)
    User.objects.bulk_create(users, batch_size=2000)
    enrollments = [
        Enrollment(
            application=a, user=u, cohort=cohorts[(k // per_cohort)], status="active",
            status_changed_at=now - dt.timedelta(days=25),
        )
        for k, (a, u) in enumerate(zip(apps, users, strict=True))
    ]  # fmt: skip
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    progress, attempts, attendance = [], [], []
    for k, e in enumerate(enrollments):
        done = rng.randint(0, len(lessons))
        last = now - dt.timedelta(days=rng.uniform(0, 20))
        for j, lesson in enumerate(lessons[:done]):
            progress.append(LessonProgress(user_id=e.user_id, course=course, activity_id=lesson, completed_at=last - dt.timedelta(days=done - j)))  # fmt: skip
        if rng.random() < 0.2:
            score = rng.choice([40, 90])
            attempts.append(QuizAttempt(user_id=e.user_id, course=course, version=version, activity_id=quiz, number=1, score_percent=score, submitted_at=now - dt.timedelta(hours=rng.uniform(1, 40))))  # fmt: skip
        if rng.random() < 1 / 3:
            attendance.append(Attendance(enrollment=e, session=sessions[2 * (k // per_cohort) + 1], status="present", method="code", recorded_at=now - dt.timedelta(hours=25)))  # fmt: skip
    LessonProgress.objects.bulk_create(progress, batch_size=5000)
    QuizAttempt.objects.bulk_create(attempts, batch_size=5000)
    Attendance.objects.bulk_create(attendance, batch_size=5000)


def per_learner_baseline(now: dt.datetime, sample: int, rules: list) -> float:
    """The loop a first version would write: each learner looked at on their own."""
    from django.db.models import Max

    from yachay.cohorts.models import Attendance, Enrollment, Session
    from yachay.engagement.models import Message
    from yachay.learning.models import Activity, LessonProgress, QuizAttempt

    started = time.perf_counter()
    for e in Enrollment.objects.filter(status="active").select_related("application", "cohort")[
        :sample
    ]:
        last = [
            LessonProgress.objects.filter(user_id=e.user_id).aggregate(m=Max("completed_at"))["m"],
            QuizAttempt.objects.filter(user_id=e.user_id).aggregate(m=Max("submitted_at"))["m"],
            Attendance.objects.filter(enrollment=e, status="present").aggregate(
                m=Max("recorded_at")
            )["m"],
        ]
        done = set(
            LessonProgress.objects.filter(user_id=e.user_id).values_list("activity_id", flat=True)
        )
        next_lesson = (
            Activity.objects.filter(kind="lesson")
            .exclude(activity_id__in=done)
            .order_by("position")
            .first()
        )
        upcoming = list(
            Session.objects.filter(
                cohort_id=e.cohort_id,
                starts_at__gt=now,
                starts_at__lte=now + dt.timedelta(hours=24),
            )
        )
        missed = list(
            Session.objects.filter(
                cohort_id=e.cohort_id, ends_at__lte=now, ends_at__gt=now - dt.timedelta(hours=48)
            ).exclude(attendances__enrollment=e)
        )
        for rule in rules:
            Message.objects.filter(rule=rule.id, application_id=e.application_id).exists()
        del last, next_lesson, upcoming, missed
    return time.perf_counter() - started


def program_with_course(now: dt.datetime) -> dict:
    """A program, a call and the track of the demo course, imported: what the learners of
    :func:`make_learners` are placed in (shared with bench/risk_bench.py)."""
    from yachay.core.actors import SYSTEM
    from yachay.learning.services import course_import
    from yachay.programs.models import Call, Program, Track

    program = Program.objects.create(name="IA para MYPEs", slug="ia", seats_target=20000, starts_on=now.date(), ends_on=now.date())  # fmt: skip
    call = Call.objects.create(program=program, title="C", slug="c", opens_at=now, closes_at=now, seats=20000, consent_version="2026-1", consent_text="x")  # fmt: skip
    track = Track.objects.create(
        program=program, name="IA para tu negocio", slug="ia-para-tu-negocio"
    )
    report = course_import(path=ROOT / "content" / "courses" / "ia-para-tu-negocio", actor=SYSTEM)
    course = report.course
    version = course.current_version
    lessons = list(
        version.activities.filter(kind="lesson")
        .order_by("position")
        .values_list("activity_id", flat=True)
    )
    quiz = (
        version.activities.filter(kind="quiz")
        .order_by("position")
        .values_list("activity_id", flat=True)[0]
    )
    return {
        "program": program,
        "call": call,
        "track": track,
        "course": course,
        "version": version,
        "lessons": lessons,
        "quiz": quiz,
    }


def run(args: argparse.Namespace) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yachay.engagement import services
    from yachay.engagement.models import Message

    now = dt.datetime(2026, 3, 10, 10, 0, tzinfo=LIMA)
    ctx = program_with_course(now)
    rules = list(services.rules_current())

    def evaluate() -> tuple[float, int, int, dict]:
        Message.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            summary = services.messages_evaluate(now=now, rules=rules)
            took = time.perf_counter() - started
        reads = sum(1 for q in queries if q["sql"].lstrip().upper().startswith("SELECT"))
        return took, reads, len(queries), {k: dict(v) for k, v in summary.rules.items()}

    small = 2_000
    make_learners(0, small, ctx, now)
    _t, reads_small, all_small, _ = evaluate()
    make_learners(small, args.learners - small, ctx, now)
    connection.cursor().execute("ANALYZE")
    times, reads_big, all_big, made = [], 0, 0, {}
    for _ in range(args.rounds):
        took, reads_big, all_big, made = evaluate()
        times.append(took)
    Message.objects.all().delete()
    baseline = per_learner_baseline(now, args.sample, rules) * args.learners / args.sample
    median = statistics.median(times)
    lines = [
        f"## Evaluating every rule for {args.learners:,} learners (PostgreSQL)",
        "",
        f"- rules: {len(rules)}; rounds: {args.rounds}; median **{median:.2f} s** (all: {', '.join(f'{t:.2f}' for t in times)})",
        f"- reads (SELECT queries): {reads_small} at {small:,} learners, {reads_big} at {args.learners:,}; "
        f"all queries (with the inserts of 1,000 rows each and the audit rows): {all_small} → {all_big}",
        f"- baseline, per-learner loop: {args.sample:,} learners timed, scaled to {args.learners:,}: **{baseline:.1f} s** "
        f"→ set-based is **{baseline / median:.0f}×** faster",
        f"- messages made per rule: {made}",
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
