"""Personal data on PostgreSQL: shredding 100,000 applicants of a closed call, and one
learner's access export and cancellation with a full history.

Run: ``.venv/bin/python bench/privacy_bench.py`` (``make bench-privacy``).

It (re)makes the PostgreSQL database named by ``BENCH_DB`` (default ``yachay_privreg``,
dropped afterwards), loads the demo with ``--applicants`` applicants and its classroom, and
gives one demo learner a full history through the services: every lesson of the demo
course, three attempts at every quiz, attendance at every session, completion, a
certificate, an API key, a second factor; plus ``--sessions`` signed-in sessions of other
people in the session table (cancellation looks through them for the learner's).

1. **Shredding**: the call is closed two years ago and every application without a place
   (``--applicants`` of them, less the classroom's) is shredded by ``privacy_shred`` in
   batches. Baseline in the same run: one bare SQL ``UPDATE`` of the same columns to
   constants (what the database itself needs to rewrite the rows). ``--rounds`` rounds, the
   table restored between them (not timed); medians. Goal: under 2 minutes.
2. **Access export** and **cancellation** of the learner: ``--rounds`` rounds each, the
   cancellation inside a transaction rolled back after each round (so every round does the
   full work). Baseline: reading the learner's rows by their keys, one query per table.
   Goal: each under 2 s.

Results go to ``bench/results/privacy.md`` (copy them into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_DB", "yachay_privreg")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

# The personal columns the shred rewrites, for the baseline and the restore between rounds.
COLUMNS = (
    "dni", "dni_check", "reference", "given_names", "paternal_surname", "maternal_surname",
    "birth_date", "email", "phone", "ubigeo", "ruc", "business_name", "sector", "woman_led",
    "accessibility_needs", "consent_ip",
)  # fmt: skip


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(
        ["psql", f"{PG}/{db}", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the first shred.")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "privacy.md")
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    var = Path(tempfile.mkdtemp(prefix="privacy-bench-"))
    os.environ.update(
        DATABASE_URL=f"{PG}/{DB}",
        DJANGO_SETTINGS_MODULE="yachay.settings",
        YACHAY_TASKS="immediate",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        YACHAY_VAR_DIR=str(var),
        YACHAY_SIGNING_KEYS_DIR=str(var / "keys"),
        YACHAY_PRIVACY_LOG=str(var / "cancellations.jsonl"),
    )
    sys.path.insert(0, str(ROOT))
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def full_history(learner_enrollment_id: int) -> int:
    """Give a classroom learner everything a learner can have; the user's id."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from yachay.accounts.services import api_key_create
    from yachay.certificates.keys import create_key
    from yachay.certificates.services import certificate_issue
    from yachay.cohorts.models import Enrollment, Session
    from yachay.cohorts.services import Mark, attendance_mark
    from yachay.core.actors import SYSTEM, Actor
    from yachay.learning.models import Activity, Course
    from yachay.learning.services import lesson_complete, quiz_submit
    from yachay.learning.tests.conftest import some_answers

    enrollment = Enrollment.objects.select_related("user").get(pk=learner_enrollment_id)
    user = enrollment.user
    actor = Actor.of_user(user)
    for session in Session.objects.filter(cohort_id=enrollment.cohort_id):
        attendance_mark(
            session=session, marks=[Mark(enrollment_id=enrollment.pk, status="present")],
            actor=SYSTEM,
        )  # fmt: skip
    for course in Course.objects.filter(current_version__isnull=False):
        activities = Activity.objects.filter(version=course.current_version).order_by("position")
        for activity in activities:
            if activity.kind == Activity.Kind.LESSON:
                lesson_complete(
                    user=user, course=course, activity_id=activity.activity_id, actor=actor
                )
            else:
                for _attempt in range(3 if not activity.max_attempts else activity.max_attempts):
                    quiz_submit(
                        user=user, course=course, activity_id=activity.activity_id,
                        answers=some_answers(course, activity.activity_id), actor=actor,
                    )  # fmt: skip
    enrollment.refresh_from_db()
    if enrollment.status != Enrollment.Status.COMPLETED:
        Enrollment.objects.filter(pk=enrollment.pk).update(status="completed")
        enrollment.refresh_from_db()
    from django.conf import settings

    create_key(settings.YACHAY_SIGNING_KEYS_DIR)
    certificate_issue(enrollment=enrollment, actor=SYSTEM)
    api_key_create(name="bench", user=user, actor=SYSTEM)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user.pk


def sessions(n: int, user_id: int) -> None:
    """``n`` live sessions of other people and one of the learner's, as the database holds
    them (signed, encoded)."""
    import datetime as dt

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store = SessionStore()
    expire = timezone.now() + dt.timedelta(days=7)
    rows = [
        Session(
            session_key=f"bench{i:027d}",
            session_data=store.encode({"_auth_user_id": str(10_000_000 + i)}),
            expire_date=expire,
        )
        for i in range(n)
    ]
    rows.append(
        Session(
            session_key="bench-learner",
            session_data=store.encode({"_auth_user_id": str(user_id)}),
            expire_date=expire,
        )
    )
    Session.objects.bulk_create(rows, batch_size=5000)


def run(args: argparse.Namespace) -> int:
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from yachay.cohorts.models import Enrollment
    from yachay.core.actors import SYSTEM
    from yachay.demo import applicants as demo
    from yachay.demo.classroom import demo_classroom_load
    from yachay.intake.models import Application
    from yachay.privacy import services
    from yachay.privacy.person import person_rows
    from yachay.programs.models import Call

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    _credentials, key = demo.demo_accounts_ensure()
    demo.demo_load(applicants=args.applicants, seed=2027, api_key=key)
    call = Call.objects.get(slug=demo.CALL_SLUG)
    demo_classroom_load(call=call)
    load_s = time.perf_counter() - t
    enrollment = Enrollment.objects.filter(cohort__isnull=False).order_by("pk").first()
    assert enrollment is not None
    t = time.perf_counter()
    user_id = full_history(enrollment.pk)
    sessions(args.sessions, user_id)
    history_s = time.perf_counter() - t
    from yachay.accounts.models import User

    user = User.objects.get(pk=user_id)
    person = services.person_from_user(user)
    counts = {label: qs.count() for label, qs in person_rows(person).items()}
    rows_total = sum(counts.values())
    print(
        f"loaded in {load_s:.1f} s; history in {history_s:.1f} s: {rows_total} rows of the learner"
    )

    # -- access export and cancellation ---------------------------------------------------
    export_s, cancel_s, bare_s = [], [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        p = services.person_from_user(user)
        export = services.person_access_export(person=p, actor=SYSTEM)
        services.person_access_html(export)
        export_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        for _label, qs in person_rows(person).items():
            if _label == "sessions.Session":
                continue  # the bare read does not decode sessions
            list(qs.values())
        bare_s.append(time.perf_counter() - t)
        with transaction.atomic():
            t = time.perf_counter()
            p = services.person_from_user(user)
            report = services.person_cancel(person=p, actor=SYSTEM, reason="bench")
            cancel_s.append(time.perf_counter() - t)
            transaction.set_rollback(True)
        connection.run_on_commit = []
    cancelled_rows = sum(report.counts.values())

    # -- shredding -------------------------------------------------------------------------
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(
        opens_at=now - dt.timedelta(days=800), closes_at=now - dt.timedelta(days=730)
    )
    Application.objects.filter(call=call, enrollment__isnull=True).update(
        status=Application.Status.WAITLISTED
    )
    due = services.shred_queryset(call).count()
    # The column names are this file's constants.
    cols = ", ".join(COLUMNS)
    copy = f"CREATE TABLE bench_copy AS SELECT id, {cols} FROM intake_application"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy")
        cur.execute(copy)
    sets = ", ".join(f"{c} = b.{c}" for c in COLUMNS)
    restore = f"UPDATE intake_application a SET {sets} FROM bench_copy b WHERE a.id = b.id"  # noqa: S608
    shred_s, sql_s = [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        if args.profile and not shred_s:
            import cProfile
            import pstats

            with cProfile.Profile() as prof:
                report_shred = services.privacy_shred(actor=SYSTEM, calls=[call])
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        else:
            report_shred = services.privacy_shred(actor=SYSTEM, calls=[call])
        shred_s.append(time.perf_counter() - t)
        assert report_shred.total == due, (report_shred.total, due)
        assert services.shred_queryset(call).count() == 0
        again = services.privacy_shred(actor=SYSTEM, calls=[call])
        assert again.total == 0
        with connection.cursor() as cur:
            cur.execute(restore)
            t = time.perf_counter()
            cur.execute(
                "UPDATE intake_application SET dni = 'X' || id, reference = 'X' || id, "
                "given_names = '', paternal_surname = '', maternal_surname = '', email = '', "
                "phone = '', ruc = '', business_name = '', sector = '', woman_led = NULL, "
                "accessibility_needs = '', consent_ip = '0.0.0.0', dni_check = '', "
                "ubigeo = left(ubigeo, 2), birth_date = birth_date "
                "WHERE call_id = %s AND status = 'waitlisted'",
                [call.pk],
            )
            sql_s.append(time.perf_counter() - t)
            cur.execute(restore)

    m_export, m_cancel, m_bare = (statistics.median(x) for x in (export_s, cancel_s, bare_s))
    m_shred, m_sql = statistics.median(shred_s), statistics.median(sql_s)
    load = os.getloadavg()[0]
    lines = "\n".join(f"| `{k}` | {v} |" for k, v in sorted(counts.items()) if v)
    text = f"""## Personal data (PostgreSQL): shredding, access export, cancellation

Command: `.venv/bin/python bench/privacy_bench.py` (`make bench-privacy`). Run
{timezone.now():%Y-%m-%d %H:%M} UTC on a shared 2-core machine (load average {load:.1f});
{args.rounds} rounds, medians.

Set-up: {args.applicants:,} demo applicants and the classroom; one learner given a full history
through the services ({rows_total} rows about them in {len([v for v in counts.values() if v])}
tables, below); {args.sessions:,} live sessions of other people beside theirs.

| measure | median | rounds | baseline (same run) | ratio | goal |
| --- | ---: | --- | ---: | ---: | --- |
| shredding {due:,} applications of a closed call (`privacy_shred`, batches of 2,000) | {m_shred:.1f} s | {", ".join(f"{x:.1f}" for x in shred_s)} | one bare SQL UPDATE of the same columns: {m_sql:.1f} s | {m_shred / m_sql:.1f} | < 120 s: {"met" if m_shred < 120 else "NOT met"} |
| access export of the learner (find + JSON + HTML) | {m_export * 1000:.0f} ms | {", ".join(f"{x * 1000:.0f}" for x in export_s)} | reading their rows by key: {m_bare * 1000:.0f} ms | {m_export / m_bare:.1f} | < 2 s: {"met" if m_export < 2 else "NOT met"} |
| cancellation of the learner ({cancelled_rows} rows changed) | {m_cancel * 1000:.0f} ms | {", ".join(f"{x * 1000:.0f}" for x in cancel_s)} | reading their rows by key: {m_bare * 1000:.0f} ms | {m_cancel / m_bare:.1f} | < 2 s: {"met" if m_cancel < 2 else "NOT met"} |

A re-run of the shred after each round found 0 applications left (idempotent).

The learner's rows:

| table | rows |
| --- | ---: |
{lines}
"""
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
