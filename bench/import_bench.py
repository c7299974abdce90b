"""Course import benchmark: ``import_course`` on a 50-module course, beside parsing alone.

Run it from the repository root:

    .venv/bin/python bench/import_bench.py                    # or: make bench-import
    .venv/bin/python bench/import_bench.py --pg-url postgres://postgres@127.0.0.1:5432/x
    .venv/bin/python bench/import_bench.py --rounds 2 --no-write

It generates (seeded) a realistic course in a temporary folder: ``--modules`` modules (50),
each of 3 lessons of about 600 words (headings, lists, a table now and then, links to the next
lesson, an image every fifth module) and one quiz of 8 questions of every type, plus a final;
completion rules as the demo's. Then, for each database, in a subprocess of its own (Django
set up once, ``migrate`` not timed), ``--rounds`` times (5):

1. **baseline**: ``load_course`` alone: read, parse, validate, render and sanitise, hash;
2. **fresh**: ``manage.py import_course`` (``call_command``) of the course when the database
   has none (the previous round's rows are deleted first, not timed): everything in 1, plus
   the course, one version, its activities and images in one transaction;
3. **unchanged**: the same command again: parse, find the hash, write nothing;
4. **updated**: one lesson changed, the command again: a second version.

The databases: SQLite (the project's own settings, in a temporary ``YACHAY_VAR_DIR``) and,
with ``--pg-url`` or ``DATABASE_URL``, PostgreSQL in a scratch database
``yachay_bench_import`` on that server (made and dropped by the run). The table quotes medians,
the ratio to the baseline, and the queries of one fresh import; it goes to
``bench/results/import.md`` (copy it into docs/benchmarks.md). Goal: a fresh import under 5 s.
Exit status 0 when every import left exactly the expected versions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "import.md"
GOAL_SECONDS = 5.0
PG_DB = "yachay_bench_import"
STEPS = ("baseline", "fresh", "unchanged", "updated")

_WORDS = (
    "negocio cliente venta datos inteligencia artificial modelo bodega mercado precio "
    "producto registro cuaderno celular mensaje asistente pregunta respuesta ejemplo "
    "semana mes campaña redes pedido stock proveedor factura boleta ganancia costo "
    "patrón predicción texto imagen herramienta gratuita prueba resultado decisión "
    "privacidad consentimiento ley riesgo sesgo error revisión equipo plan meta medida "
    "Cusco Arequipa Piura Huancayo Lima Iquitos Puno Trujillo Chiclayo Tacna"
)
_CONNECT = "de la el en y con para que por un una los las del se su al es como más"
WORDS, CONNECT = _WORDS.split(), _CONNECT.split()


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS if i % 2 == 0 else CONNECT) for i in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, words: int = 80) -> str:
    out, count = [], 0
    while count < words:
        n = rng.randint(8, 18)
        out.append(sentence(rng, n))
        count += n
    return " ".join(out)


def lesson(
    rng: random.Random, lid: str, title: str, next_file: str | None, image: str | None
) -> str:
    parts = [
        f"---\nid: {lid}\ntitle: {json.dumps(title, ensure_ascii=False)}\nminutes: {rng.randint(5, 15)}\n---"
    ]
    parts.append(paragraph(rng, 90))
    parts.append(f"## {sentence(rng, 4)[:-1]}")
    parts.append(paragraph(rng, 110))
    parts.append("\n".join(f"- **{rng.choice(WORDS)}**: {sentence(rng, 10)}" for _ in range(5)))
    parts.append(paragraph(rng, 100))
    if image:
        parts.append(f"![{sentence(rng, 6)[:-1]}]({image})")
    if rng.random() < 0.3:
        rows = "\n".join(
            f"| {rng.choice(WORDS)} | {rng.randint(1, 900)} | {rng.randint(1, 99)} % |"
            for _ in range(5)
        )
        parts.append("| concepto | soles | avance |\n| --- | ---: | ---: |\n" + rows)
    parts.append(f"## {sentence(rng, 3)[:-1]}")
    parts.append(paragraph(rng, 110))
    parts.append("1. " + sentence(rng, 9) + "\n2. " + sentence(rng, 9) + "\n3. " + sentence(rng, 9))
    parts.append(paragraph(rng, 80))
    if next_file:
        parts.append(f"Sigue con [la próxima lección]({next_file}) o visita https://www.gob.pe.")
    return "\n\n".join(parts) + "\n"


def quiz(rng: random.Random, qid: str, title: str, kind: str = "quiz", n: int = 8) -> str:
    lines = [
        f"id: {qid}",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        f"kind: {kind}",
        "max_attempts: 3",
        "questions:",
    ]
    types = ["single", "multiple", "true_false", "numeric", "text", "ordering"]
    for i in range(n):
        t = types[i % len(types)]
        lines += [
            f"  - id: q{i + 1}",
            f"    type: {t}",
            f"    prompt: ¿{sentence(rng, 12)[:-1]}?",
            f"    explanation: {sentence(rng, 20)}",
        ]
        if t in ("single", "multiple"):
            lines.append("    options:")
            for j, letter in enumerate("abcd"):
                correct = j == 0 or (t == "multiple" and j == 2)
                lines += [
                    f"      - id: {letter}",
                    f"        text: {sentence(rng, 8)}",
                    f"        correct: {'true' if correct else 'false'}",
                    f"        feedback: {sentence(rng, 12)}",
                ]
        elif t == "true_false":
            lines += [
                "    answer: true",
                f"    feedback_true: {sentence(rng, 10)}",
                f"    feedback_false: {sentence(rng, 10)}",
            ]
        elif t == "numeric":
            lines += [
                f"    answer: {rng.randint(10, 900)}",
                "    tolerance: 0.5",
                "    unit: soles",
            ]
        elif t == "text":
            lines += [
                '    accept: ["ley 29733", "29733"]',
                '    patterns: ["ley\\\\s*n?[°º]?\\\\s*29733"]',
            ]
        else:
            lines.append("    items:")
            lines += [f"      - {{id: i{j}, text: {sentence(rng, 5)}}}" for j in range(4)]
    return "\n".join(lines) + "\n"


def png(rng: random.Random, size: int) -> bytes:
    # A PNG signature and header, then noise: the importer checks names and sizes, not pixels.
    return bytes.fromhex("89504e470d0a1a0a0000000d49484452") + rng.randbytes(size)


def generate(folder: Path, modules: int, seed: int = 2027) -> dict[str, int]:
    rng = random.Random(seed)
    (folder / "lessons").mkdir(parents=True)
    (folder / "quizzes").mkdir()
    (folder / "images").mkdir()
    course = [
        "slug: bench-curso",
        "title: Curso de prueba de carga",
        'version: "1.0"',
        "language: es",
        "summary: Un curso grande, generado para medir la importación.",
        "tracks: [ia-para-tu-negocio]",
        "modules:",
    ]
    words = images = 0
    for m in range(modules):
        title = json.dumps(f"Módulo {m + 1}: {sentence(rng, 4)[:-1]}", ensure_ascii=False)
        course += [f"  - id: m{m + 1}", f"    title: {title}", "    items:"]
        for k in range(3):
            n = m * 3 + k + 1
            name = f"{n:03d}-leccion.md"
            next_file = f"{n + 1:03d}-leccion.md" if (m < modules - 1 or k < 2) else None
            image = None
            if k == 0 and m % 5 == 0:
                image = f"../images/figura-{m + 1}.png"
                (folder / "images" / f"figura-{m + 1}.png").write_bytes(png(rng, 30_000))
                images += 1
            text = lesson(
                rng, f"m{m + 1}-l{k + 1}", f"Lección {n}: {sentence(rng, 5)[:-1]}", next_file, image
            )
            words += len(text.split("---", 2)[2].split())
            (folder / "lessons" / name).write_text(text, encoding="utf-8")
            course.append(f"      - lessons/{name}")
        (folder / "quizzes" / f"{m + 1:03d}.yaml").write_text(
            quiz(rng, f"m{m + 1}-quiz", f"Repaso del módulo {m + 1}"), encoding="utf-8"
        )
        course.append(f"      - quizzes/{m + 1:03d}.yaml")
    (folder / "quizzes" / "final.yaml").write_text(
        quiz(rng, "final", "Evaluación final", kind="final", n=20), encoding="utf-8"
    )
    course += [
        "  - id: m-final",
        "    title: Evaluación final",
        "    items:",
        "      - quizzes/final.yaml",
        "completion:",
        "  lessons: all",
        "  quizzes_min_score: 70",
        "  final_min_score: 70",
        "  attendance_min_percent: 75",
    ]
    (folder / "course.yaml").write_text("\n".join(course) + "\n", encoding="utf-8")
    return {"lessons": modules * 3, "words_per_lesson": words // (modules * 3), "images": images}


# --- The worker: one database, Django set up once --------------------------------------------


def worker(args: argparse.Namespace) -> int:
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yachay.learning.course_format import load_course
    from yachay.learning.models import Activity, Course, CourseVersion

    call_command("migrate", verbosity=0)
    folder = Path(args.course)
    lesson = folder / "lessons" / "001-leccion.md"
    original = lesson.read_text(encoding="utf-8")
    times: dict[str, list[float]] = {step: [] for step in STEPS}
    ok = True

    def timed(step: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        work()
        times[step].append(time.perf_counter() - started)

    def command() -> None:
        call_command("import_course", str(folder), stdout=io.StringIO(), stderr=io.StringIO())

    queries = 0
    for r in range(args.rounds):
        lesson.write_text(original, encoding="utf-8")
        Course.objects.all().delete()  # not timed: the next import is a fresh one
        timed("baseline", lambda: load_course(folder))
        if r == 0:
            with CaptureQueriesContext(connection) as captured:
                timed("fresh", command)
            queries = len(captured.captured_queries)
        else:
            timed("fresh", command)
        timed("unchanged", command)
        lesson.write_text(original + f"\nUna línea nueva, ronda {r}.\n", encoding="utf-8")
        timed("updated", command)
        course = Course.objects.get(slug="bench-curso")
        ok &= CourseVersion.objects.filter(course=course).count() == 2
        ok &= course.current_version is not None and course.current_version.number == 2
        ok &= Activity.objects.filter(version__course=course).count() == 2 * (args.modules * 4 + 1)
    lesson.write_text(original, encoding="utf-8")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = "PostgreSQL " + cursor.fetchone()[0].split()[0]
    else:
        import sqlite3

        server = f"SQLite {sqlite3.sqlite_version}"
    print(json.dumps({"times": times, "ok": ok, "queries": queries, "server": server}))
    return 0 if ok else 1


# --- The orchestrator ---------------------------------------------------------------------------


def server_url(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


def pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def run_worker(kind: str, course: Path, args: argparse.Namespace, db_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"import-bench-{kind}-") as var_dir:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        if db_url:
            env["DATABASE_URL"] = db_url
        env.update(
            YACHAY_VAR_DIR=var_dir,
            YACHAY_ENV="development",
            DJANGO_SETTINGS_MODULE="yachay.settings",
            PYTHONPATH=str(ROOT),
        )
        copy = Path(var_dir) / "course"
        shutil.copytree(course, copy)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", "--course", str(copy),
             "--rounds", str(args.rounds), "--modules", str(args.modules)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode not in (0, 1) or not done.stdout.strip():
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"the {kind} worker failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--course", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="import-bench-course-") as tmp:
        course = Path(tmp) / "bench-curso"
        shape = generate(course, args.modules)
        size = sum(p.stat().st_size for p in course.rglob("*") if p.is_file())
        results = {"SQLite": run_worker("sqlite", course, args, None)}
        if args.pg_url and args.pg_url.startswith("postgres"):
            pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            pg_admin(args.pg_url, f"CREATE DATABASE {PG_DB}")
            try:
                results["PostgreSQL"] = run_worker(
                    "pg", course, args, server_url(args.pg_url, PG_DB)
                )
            finally:
                pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")

    activities = args.modules * 4 + 1
    labels = {
        "baseline": "baseline: `load_course` alone (parse, validate, render, hash)",
        "fresh": "`import_course`, fresh (course not in the database)",
        "unchanged": "`import_course` again, unchanged (writes nothing)",
        "updated": "`import_course`, one lesson changed (a second version)",
    }
    rows = []
    worst_fresh = 0.0
    for name, result in results.items():
        medians = {step: statistics.median(result["times"][step]) for step in STEPS}
        worst_fresh = max(worst_fresh, medians["fresh"])
        for step in STEPS:
            values = result["times"][step]
            rows.append(
                f"| {name} | {labels[step]} | **{medians[step]:.2f} s** | {min(values):.2f} s | "
                f"{max(values):.2f} s | {medians[step] / medians['baseline']:.2f} |"
            )
    versions = ", ".join(r["server"] for r in results.values())
    queries = "; ".join(f"{name}: {r['queries']}" for name, r in results.items())
    ok = all(r["ok"] for r in results.values())
    met = worst_fresh < GOAL_SECONDS
    text = f"""## Course import, {args.modules} modules (SQLite{", PostgreSQL" if len(results) > 1 else ""})

Command: `.venv/bin/python bench/import_bench.py` (`make bench-import`; PostgreSQL with
`--pg-url` or `DATABASE_URL`). Run {time.strftime("%Y-%m-%d %H:%M", time.gmtime())} UTC on
{os.cpu_count()} CPUs (load average {load_before:.1f} before the run), Python
{platform.python_version()}, {versions}; median of {args.rounds} rounds.

Course (generated, seeded): {args.modules} modules of {shape["lessons"] // args.modules} lessons
(about {shape["words_per_lesson"]} words each, with lists, tables, links) and a quiz of 8
questions of every type, plus a 20-question final: {activities} activities, {shape["images"]}
images of 30 KB, {size / 1e6:.1f} MB on disk. Each round deletes the course (not timed), then
times the steps below in one process with Django set up.

| database | step | median | best | worst | ratio to baseline |
| --- | --- | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Queries of one fresh import: {queries}, in one transaction: the course, its tracks, one
version, the activities and images in bulk (a few statements for all of them), the audit row.

Goal (a fresh import under {GOAL_SECONDS:.0f} s): **{"met" if met else "not met"}**
(slowest median {worst_fresh:.2f} s). Versions check (2 per round, the second current,
{2 * activities} activities): **{"ok" if ok else "FAILED"}**.
"""
    print(text)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
