"""The surveys page of the reports on 20,000 respondents, on PostgreSQL.

Run: ``.venv/bin/python bench/surveys_bench.py`` (``--respondents 20000 --rounds 7``).

It makes a fresh PostgreSQL database (``yachay_surveys_bench``, dropped afterwards), migrates
it, imports the four surveys of content/surveys, and writes with ``generate_series``:
``--respondents`` x 1.5 applications, each invited to the baseline (``linea-base``), two in
three of them submitted with an answer to every question shown (about 11 answer rows each:
250,000 rows at the defaults).

Measured, ``--rounds`` times each, medians:

- **page**: ``GET /informes/encuestas/?survey=linea-base&by=place`` as the program admin
  (server time, the view called in-process): response rates by stage and group, and the
  results of every question, suppressed;
- **results**: ``surveys.selectors.results`` alone; **rates**: ``response_rates`` alone;
- **answers**: ``surveys.selectors.answers`` for the impact study's seven outcome questions
  (what the impact report reads), every row consumed;
- **baseline** in the same run: reading the answer rows that the results need, bare
  (``SELECT question, number, text, choices`` into Python), the floor any computation of the
  results pays.

Results go to ``bench/results/surveys.md`` (copy them into docs/benchmarks.md).
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
DB = "yachay_surveys_bench"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
OUTCOMES = [
    "uses_ai", "ai_uses", "monthly_sales_pen", "customers_month", "employees",
    "digital_tools", "confidence_ai",
]  # fmt: skip


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--respondents", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "surveys.md")
    args = parser.parse_args()
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    os.environ.update(
        DATABASE_URL=f"{PG}/{DB}",
        DJANGO_SETTINGS_MODULE="yachay.settings",
        YACHAY_VAR_DIR=str(ROOT / "bench" / "results" / "surveys-var"),
    )
    sys.path.insert(0, str(ROOT))
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def build(respondents: int) -> None:
    """Applications, baseline invitations and answers, in a few statements."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from yachay.programs.models import Call, Program
    from yachay.surveys.models import Survey
    from yachay.surveys.services import surveys_import_all

    now = timezone.now()
    program = Program.objects.create(
        slug="bench", name="Bench", seats_target=respondents,
        starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 12, 31),
    )  # fmt: skip
    call = Call.objects.create(
        program=program, title="bench", slug="bench", opens_at=now - dt.timedelta(weeks=8),
        closes_at=now - dt.timedelta(weeks=4), seats=respondents, consent_text="x",
    )  # fmt: skip
    surveys_import_all()
    survey = Survey.objects.get(slug="linea-base")
    invited = respondents * 3 // 2
    deps = ["08", "15", "21", "04", "13", "20", "07", "12", "14", "03"]
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO intake_application (call_id, reference, status, source, language, dni,
              dni_check, given_names, paternal_surname, maternal_surname, birth_date, gender,
              email, phone, ubigeo, department, segment, ruc, business_name, sector, woman_led,
              digital_level, modality, schedules, accessibility_needs, consent_version,
              consent_at, consent_ip, created_at)
            SELECT %s, 'S' || g, 'submitted', 'web', 'es', lpad(g::text, 8, '0'), '',
              'Urpi', 'Quispe', '', DATE '1960-01-01' + (g %% 15000),
              CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END,
              'p' || g || '@example.pe', '+51987654321',
              (%s::text[])[1 + g %% 10] || '0101', (%s::text[])[1 + g %% 10],
              CASE WHEN g %% 3 = 0 THEN 'sme_owner' ELSE 'entrepreneur' END,
              '', '', '', NULL, 1 + g %% 5, 'virtual', '["evening"]'::jsonb, '', '2026-1',
              %s, '127.0.0.1', %s
            FROM generate_series(1, %s) g
            """,
            [call.pk, deps, deps, call.closes_at, call.closes_at, invited],
        )
        cur.execute(
            """
            INSERT INTO surveys_invitation (survey_id, application_id, version_id, token_hash,
              wording, created_at, sent_at, closes_at, started_at, submitted_at)
            SELECT %s, a.id, %s, md5(a.id::text) || md5('t' || a.id::text), 'learner',
              %s, %s, NULL,
              CASE WHEN a.id %% 3 <> 0 THEN %s END, CASE WHEN a.id %% 3 <> 0 THEN %s END
            FROM intake_application a
            """,
            [survey.pk, survey.current_id, now, now, now, now],
        )
        # One row per (invitation, question) shown: the choice of option and the numbers
        # vary with the id, AI uses only where uses_ai = si.
        cur.execute(
            """
            WITH i AS (SELECT id FROM surveys_invitation WHERE submitted_at IS NOT NULL)
            INSERT INTO surveys_answer (invitation_id, question, number, text, choices, updated_at)
            SELECT id, q.question, q.number, q.text, q.choices, %s FROM i, LATERAL (VALUES
              ('situacion', NULL::float8, (ARRAY['negocio-propio','trabajo-mype','por-emprender','otro'])[1 + id %% 4], '[]'::jsonb),
              ('employees', (id %% 7)::float8, '', '[]'::jsonb),
              ('monthly_sales_pen', (500 + (id * 37) %% 20000)::float8, '', '[]'::jsonb),
              ('customers_month', (5 + id %% 300)::float8, '', '[]'::jsonb),
              ('antiguedad', NULL, (ARRAY['menos-1','1-3','3-10','mas-10'])[1 + id %% 4], '[]'::jsonb),
              ('digital_tools', (id %% 9)::float8, '', '[]'::jsonb),
              ('canales_venta', NULL, '', '["whatsapp", "redes"]'::jsonb),
              ('uses_ai', NULL, CASE WHEN id %% 5 < 2 THEN 'si' ELSE 'no' END, '[]'::jsonb),
              ('confidence_ai', (1 + id %% 5)::float8, '', '[]'::jsonb)
            ) AS q(question, number, text, choices)
            """,
            [now],
        )
        cur.execute(
            """
            INSERT INTO surveys_answer (invitation_id, question, number, text, choices, updated_at)
            SELECT invitation_id, 'ai_uses', NULL, '', '["textos", "clientes"]'::jsonb, %s
            FROM surveys_answer WHERE question = 'uses_ai' AND text = 'si'
            """,
            [now],
        )
        cur.execute("ANALYZE")


def timed(fn: object, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return out


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from yachay.accounts.models import Role
    from yachay.accounts.services import user_create
    from yachay.core.actors import SYSTEM
    from yachay.intake.models import Application
    from yachay.surveys.models import Answer, Survey
    from yachay.surveys.selectors import answers, response_counts, response_rates, results

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    build(args.respondents)
    built = time.perf_counter() - t
    survey = Survey.objects.get(slug="linea-base")
    counts = response_counts("baseline")
    rows = Answer.objects.count()
    admin = user_create(username="bench-admin", role=Role.ADMIN, actor=SYSTEM)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    params = {"survey": "linea-base", "by": "place"}
    assert client.get("/informes/encuestas/", params).status_code == 200  # warm
    everyone = Application.objects.all()

    def bare() -> int:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT a.question, a.number, a.text, a.choices FROM surveys_answer a "
                "JOIN surveys_invitation i ON i.id = a.invitation_id "
                "WHERE i.survey_id = %s AND i.submitted_at IS NOT NULL",
                [survey.pk],
            )
            return len(cur.fetchall())

    figures = {
        "page": timed(lambda: client.get("/informes/encuestas/", params), args.rounds),
        "results": timed(lambda: results(survey, everyone), args.rounds),
        "rates": timed(lambda: response_rates(everyone, "place"), args.rounds),
        "answers": timed(lambda: sum(1 for _ in answers("baseline", OUTCOMES)), args.rounds),
        "baseline (bare read)": timed(bare, args.rounds),
    }
    medians = {k: statistics.median(v) for k, v in figures.items()}
    base = medians["baseline (bare read)"]
    load = os.getloadavg()
    lines = [
        "# Surveys bench",
        "",
        f"`{' '.join(['bench/surveys_bench.py', *sys.argv[1:]])}` on {platform.node()}, "
        f"PostgreSQL, {os.cpu_count()} cores (shared), load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"{counts['invited']:,} invited, {counts['submitted']:,} respondents, {rows:,} answer rows "
        f"(built in {built:.1f} s). Medians of {args.rounds} rounds:",
        "",
        "| what | median | ratio to the bare read |",
        "|---|---|---|",
    ]
    for name, value in medians.items():
        lines.append(f"| {name} | {value * 1000:.0f} ms | {value / base:.1f}x |")
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
