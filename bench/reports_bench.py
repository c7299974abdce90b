"""The program's home and the funnel for 20,000 learners x 100 activities each, on PostgreSQL.

Run: ``.venv/bin/python bench/reports_bench.py`` (``make bench-reports``).

It makes a fresh PostgreSQL database (``yachay_reports``, dropped afterwards), migrates it,
and writes with ``generate_series`` (seconds, not the services' minutes): a call with
``--learners`` x 1.25 applications (a quarter not admitted), a published selection, every
admitted learner enrolled and placed in one of 500 cohorts with 6 sessions, a course of
``--activities`` activities, and ``--activities`` lesson records per learner (2,000,000
rows at the defaults), half of them in the last 14 days.

Measured, ``--rounds`` times each, medians (server time: the view called in-process
through Django's test client, signed in as the program admin):

- **home**: ``GET /informes/?by=gender`` — the funnel total, by gender, the weekly series,
  the targets through the funnel and the map by department;
- **funnel**: ``reports.selectors.funnel(call, by="department")`` alone;
- **baseline**, in the same run: the naive per-learner computation, 2 queries per learner
  (their lessons done, their last activity), as Open edX's grade report does, summed up
  into the same "active" and "progress" counts. Run once (it is slow).

``--big`` adds the large case: 1,000,000 applicants / 200,000 learners (10 lessons each),
the funnel by department timed the same way. Results go to ``bench/results/reports.md``
(copy them into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "yachay_reports"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--big", action="store_true", help="also 1,000,000 / 200,000")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "reports.md")
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    os.environ.update(
        DATABASE_URL=f"{PG}/{DB}",
        DJANGO_SETTINGS_MODULE="yachay.settings",
        YACHAY_VAR_DIR=str(ROOT / "bench" / "results" / "reports-var"),
    )
    sys.path.insert(0, str(ROOT))
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def make_call(
    slug: str, prefix: str, *, learners: int, activities: int, lessons_each: int
) -> object:
    """Write one call's world with generate_series; return the call."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from yachay.cohorts.models import Cohort, Session
    from yachay.learning.models import Activity, Course, CourseVersion
    from yachay.programs.models import Call, Program, Target, Track
    from yachay.selection.models import SelectionRun

    now = timezone.now()
    program, _ = Program.objects.get_or_create(
        slug="bench",
        defaults={
            "name": "Bench",
            "seats_target": learners,
            "starts_on": dt.date(2027, 1, 1),
            "ends_on": dt.date(2027, 12, 31),
        },
    )
    if not program.targets.exists():
        Target.objects.create(
            program=program,
            kind="min",
            measure="share",
            amount=50,
            dimension="gender",
            value="female",
        )
        Target.objects.create(
            program=program,
            kind="min",
            measure="share",
            amount=40,
            dimension="department_group",
            value="rest",
        )
    call = Call.objects.create(
        program=program,
        title=slug,
        slug=slug,
        opens_at=now - dt.timedelta(weeks=20),
        closes_at=now - dt.timedelta(weeks=16),
        seats=learners,
        consent_text="x",
    )
    track = Track.objects.create(program=program, name=slug, slug=slug)
    course = Course.objects.create(slug=slug, title=slug, language="es")
    course.tracks.add(track)
    version = CourseVersion.objects.create(course=course, number=1, label="1", content_hash=slug)
    Course.objects.filter(pk=course.pk).update(current_version=version)
    Activity.objects.bulk_create(
        Activity(
            version=version,
            activity_id=f"a{i:03d}",
            kind="lesson",
            module_id="m",
            module_title="M",
            module_position=0,
            position=i,
            title=f"Lección {i}",
            source_path="x.md",
        )
        for i in range(activities)
    )
    n_cohorts = max(1, learners // 40)
    cohorts = Cohort.objects.bulk_create(
        Cohort(
            call=call,
            track=track,
            name=f"{slug}-{i}",
            modality="virtual",
            slot="evening",
            capacity=50,
            starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2026, 12, 1),
        )
        for i in range(n_cohorts)
    )
    Session.objects.bulk_create(
        Session(
            cohort=c,
            topic="s",
            starts_at=now - dt.timedelta(weeks=k + 1),
            ends_at=now - dt.timedelta(weeks=k + 1) + dt.timedelta(hours=2),
        )
        for c in cohorts
        for k in range(6)
    )
    run = SelectionRun.objects.create(
        call=call, state="published", actor_label="bench", published_at=now - dt.timedelta(weeks=15)
    )
    applications = learners * 5 // 4
    first_cohort = cohorts[0].pk
    deps = ["08", "15", "21", "04", "13", "20", "07", "12", "14", "03"]
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO intake_application (call_id, reference, status, source, language, dni,
              dni_check, given_names, paternal_surname, maternal_surname, birth_date, gender,
              email, phone, ubigeo, department, segment, ruc, business_name, sector, woman_led,
              digital_level, modality, schedules, accessibility_needs, consent_version,
              consent_at, consent_ip, created_at)
            SELECT %s, %s || g, 'enrolled', 'web', 'es', lpad(g::text, 8, '0'), '',
              'Urpi', 'Quispe', '', DATE '1960-01-01' + (g %% 15000),
              CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END,
              'p' || g || '@example.pe', '+51987654321',
              (%s::text[])[1 + g %% 10] || CASE WHEN g %% 10 = 1 AND g %% 3 = 0 THEN '0101' ELSE '0201' END,
              (%s::text[])[1 + g %% 10], 'entrepreneur', '', '', '', NULL, 3, 'virtual',
              '["evening"]'::jsonb, '', '2026-1',
              %s - (g %% 28) * interval '1 day', '127.0.0.1',
              %s - (g %% 28) * interval '1 day'
            FROM generate_series(1, %s) g
            """,
            [call.pk, prefix, deps, deps, call.closes_at, call.closes_at, applications],
        )
        cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,
              email, is_staff, is_active, date_joined, role, departments)
            SELECT '!', false, %s || '-u' || g, '', '', '', false, true, now(), 'learner', '[]'
            FROM generate_series(1, %s) g
            """,
            [slug, learners],
        )
        # Decisions: the first `learners` applications admitted, the rest waitlisted.
        cur.execute(
            """
            INSERT INTO selection_decision (run_id, application_id, outcome, priority, rules,
              decided_at, gender, department_group, department, segment)
            SELECT %s, a.id, CASE WHEN row_number() OVER (ORDER BY a.id) <= %s
              THEN 'admitted' ELSE 'waitlisted' END, 0, '[]', %s, a.gender, '', a.department,
              a.segment
            FROM intake_application a WHERE a.call_id = %s
            """,
            [run.pk, learners, run.published_at, call.pk],
        )
        cur.execute(
            """
            INSERT INTO selection_offer (decision_id, state, created_at, expires_at, promoted)
            SELECT d.id, 'accepted', %s, %s, false FROM selection_decision d
            WHERE d.run_id = %s AND d.outcome = 'admitted'
            """,
            [run.published_at, run.published_at, run.pk],
        )
        cur.execute(
            """
            WITH a AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM intake_application
                       WHERE call_id = %s ORDER BY id LIMIT %s),
                 u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM accounts_user
                       WHERE username LIKE %s)
            INSERT INTO cohorts_enrollment (application_id, user_id, status, created_at, cohort_id,
              status_changed_at)
            SELECT a.id, u.id, CASE WHEN a.n %% 5 = 0 THEN 'completed' ELSE 'active' END, %s,
              %s + (a.n %% %s), %s
            FROM a JOIN u ON u.n = a.n
            """,
            [call.pk, learners, f"{slug}-u%", run.published_at, first_cohort, n_cohorts, now],
        )
        cur.execute(
            """
            INSERT INTO learning_lessonprogress (user_id, course_id, activity_id, completed_at)
            SELECT e.user_id, %s, 'a' || lpad(k::text, 3, '0'),
              now() - ((e.id + k) %% 40) * interval '1 day'
            FROM cohorts_enrollment e JOIN intake_application a ON a.id = e.application_id
            CROSS JOIN generate_series(0, %s) k
            WHERE a.call_id = %s
            """,
            [course.pk, lessons_each - 1, call.pk],
        )
        cur.execute("ANALYZE")
    return call


def timed(fn: object, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return out


def naive(call: object) -> tuple[int, int]:
    """Per learner, 2 queries: lessons done, last activity (the Open edX pattern)."""
    import datetime as dt

    from django.db.models import Max
    from django.utils import timezone

    from yachay.cohorts.models import Enrollment
    from yachay.learning.models import LessonProgress

    since = timezone.now() - dt.timedelta(days=14)
    active = done = 0
    for e in Enrollment.objects.filter(application__call=call).only("pk", "user_id"):
        n = LessonProgress.objects.filter(user_id=e.user_id).count()
        last = LessonProgress.objects.filter(user_id=e.user_id).aggregate(m=Max("completed_at"))[
            "m"
        ]
        done += n
        active += bool(last and last >= since)
    return active, done


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from yachay.accounts.models import Role
    from yachay.accounts.services import user_create
    from yachay.core.actors import SYSTEM
    from yachay.reports.selectors import Scope, funnel

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call = make_call(
        "bench-20k",
        "B",
        learners=args.learners,
        activities=args.activities,
        lessons_each=args.activities,
    )
    build = time.perf_counter() - t
    from yachay.reports.services import learner_activity_refresh

    t = time.perf_counter()
    learner_activity_refresh()  # what the background task does every few minutes
    refresh = time.perf_counter() - t
    admin = user_create(username="bench-admin", role=Role.ADMIN, actor=SYSTEM)
    client = Client()
    client.force_login(admin)
    params = {"call": str(call.pk), "by": "gender"}  # type: ignore[attr-defined]
    client.get("/informes/", params)  # warm
    with CaptureQueriesContext(connection) as q:
        assert client.get("/informes/", params).status_code == 200
    home_queries = len(q)
    home = timed(lambda: client.get("/informes/", params), args.rounds)
    scope = Scope.everything()
    fun = timed(lambda: funnel(call, scope=scope, by="department"), args.rounds)  # type: ignore[arg-type]
    total = funnel(call, scope=scope).total.counts  # type: ignore[arg-type]
    reset_queries()
    t = time.perf_counter()
    active, _done = naive(call)
    base = time.perf_counter() - t
    assert active == total["active"], (active, total["active"])

    lines = [
        "# Reports bench",
        "",
        f"`{' '.join(['bench/reports_bench.py', *sys.argv[1:]])}` on {platform.node()}, "
        f"PostgreSQL, {os.cpu_count()} cores (shared), load average "
        f"{os.getloadavg()[0]:.0f}, {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        f"Data: {args.learners:,} learners x {args.activities} lessons "
        f"({args.learners * args.activities:,} lesson rows), "
        f"{args.learners * 5 // 4:,} applications; written in {build:.0f} s.",
        "",
        "| measure | median | min | max | queries |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| home `/informes/?by=gender` | {statistics.median(home) * 1000:.0f} ms | "
        f"{min(home) * 1000:.0f} ms | {max(home) * 1000:.0f} ms | {home_queries} |",
        f"| funnel by department | {statistics.median(fun) * 1000:.0f} ms | "
        f"{min(fun) * 1000:.0f} ms | {max(fun) * 1000:.0f} ms | 6 |",
        f"| baseline: per learner, 2 queries each (once) | {base * 1000:.0f} ms | | | "
        f"{2 * args.learners + 1:,} |",
        "",
        f"| summary refresh (background task, once) | {refresh * 1000:.0f} ms | | | 1 |",
        "",
        f"Home vs baseline: {base / statistics.median(home):.1f}x faster; "
        f"funnel vs baseline: {base / statistics.median(fun):.1f}x. "
        f"Same answer: {active:,} active learners both ways.",
    ]
    if args.big:
        t = time.perf_counter()
        big = make_call("bench-200k", "C", learners=200_000, activities=10, lessons_each=10)
        learner_activity_refresh()
        build_big = time.perf_counter() - t
        # 1,000,000 applicants: 250,000 come with the call; 750,000 more not admitted.
        from django.db import connection as conn

        with conn.cursor() as cur:
            cur.execute(
                """
                INSERT INTO intake_application (call_id, reference, status, source, language,
                  dni, dni_check, given_names, paternal_surname, maternal_surname, birth_date,
                  gender, email, phone, ubigeo, department, segment, ruc, business_name, sector,
                  woman_led, digital_level, modality, schedules, accessibility_needs,
                  consent_version, consent_at, consent_ip, created_at)
                SELECT %s, 'X' || g, 'submitted', 'web', 'es', lpad((g + 50000000)::text, 8, '0'), '',
                  'Urpi', 'Quispe', '', DATE '1970-01-01' + (g %% 9000),
                  CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END, 'x@example.pe',
                  '+51987654321', '080101', '08', 'other', '', '', '', NULL, 3, 'virtual',
                  '["evening"]'::jsonb, '', '2026-1', now() - interval '20 weeks', '127.0.0.1',
                  now() - interval '19 weeks'
                FROM generate_series(1, 750000) g
                """,
                [big.pk],  # type: ignore[attr-defined]
            )
            cur.execute("ANALYZE")
        big_runs = timed(lambda: funnel(big, scope=scope, by="department"), 3)  # type: ignore[arg-type]
        counts = funnel(big, scope=scope).total.counts  # type: ignore[arg-type]
        lines += [
            "",
            f"Large: {counts['applied']:,} applicants, {counts['accepted']:,} learners "
            f"(10 lessons each), written in {build_big:.0f} s. Funnel by department "
            f"(with the weekly series): median {statistics.median(big_runs):.2f} s "
            f"(min {min(big_runs):.2f}, max {max(big_runs):.2f}).",
        ]
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
