"""CPU time and SQL queries per learner page, in one process, for two versions of the code.

Issue #17: the learner pages' cost, measured so that a machine shared with other work still
gives a usable figure: each page's *CPU time* in the Django process (``time.process_time``;
the time the process waited for the CPU or for PostgreSQL is not in it) and its queries,
through Django's test client over the whole middleware stack, on PostgreSQL, with the
settings of production. ``--src`` runs another checkout of the code (e.g. ``main``, extracted
with ``git archive main | tar -x -C /tmp/main-src``) against the same kind of data, so
that two versions are compared in the same minutes::

    .venv/bin/python bench/learning_profile.py --rounds 2 --src /tmp/main-src

runs, for each round, the given checkout and then this one, each in a fresh process and a
fresh database (the demo course, ``--learners`` learners in cohorts, signed in), and prints
the medians per page and their ratio. Each learner walks the loop of bench/learning_load.py
(home, a lesson, mark as read, a quiz, send the answers, the result) ``--passes`` times, a new
lesson and quiz each pass; the first pass warms the caches and is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and "--child" not in sys.argv:
    sys.path.insert(0, str(ROOT))


def walk(args: argparse.Namespace) -> dict[str, Any]:
    """In the child process: prepare the database and walk; the figures as JSON."""
    sys.path.insert(0, str(Path(args.src).resolve()))
    from bench import learning_load as ll
    from bench.intake_load import bench_environment, django_setup, with_dbname

    env = bench_environment(with_dbname(args.pg_url, args.db_name))
    env["STATIC_ROOT"] = tempfile.mkdtemp(prefix="yachay-profile-static-")
    django_setup(env)
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    ll.collect_static()
    prepared = ll.prepare(args.learners, args.seed, args.per_cohort)
    key = ll.course_key()
    rng = random.Random("profile")
    cpu: dict[str, list[float]] = {page: [] for page in ll.PAGES}
    queries: dict[str, int] = {}
    statuses: dict[str, list[int]] = {page: [] for page in ll.PAGES}
    for learner in prepared.learners[: args.walkers]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = learner.session_key

        def visit(n: int, page: str, path: str, data: Any = None, client: Any = client) -> str:
            call = client.get if page in ("home", "lesson", "quiz", "result") else client.post
            with CaptureQueriesContext(connection) as captured:
                t0 = time.process_time()
                response: Any = call(path, data)
                spent = time.process_time() - t0
            if n >= 1:
                cpu[page].append(spent * 1000)
                queries[page] = len(captured.captured_queries)
            statuses[page].append(response.status_code)
            return str(response.content.decode())

        for n in range(args.passes):
            lesson = key.lessons[(n + learner.user_id) % len(key.lessons)]
            quiz = key.quiz_ids[(n + learner.user_id) % len(key.quizzes)]
            visit(n, "home", "/aprender/")
            visit(n, "lesson", ll.lesson_path(lesson))
            visit(n, "lesson_post", ll.lesson_path(lesson))
            shown = ll.ATTEMPT_RE.search(visit(n, "quiz", ll.quiz_path(quiz)))
            data: dict[str, list[str]] = {"_attempt": [shown.group(1) if shown else ""]}
            for name, value in ll.quiz_answers(key.quizzes[quiz], 0.7, rng):
                data.setdefault(name, []).append(value)
            visit(n, "quiz_post", ll.quiz_path(quiz), data)
            visit(n, "result", ll.result_path(quiz))
    connections.close_all()
    shutil.rmtree(env["STATIC_ROOT"], ignore_errors=True)
    return {
        "cpu_ms": {page: statistics.median(v) for page, v in cpu.items()},
        "samples": {page: len(v) for page, v in cpu.items()},
        "queries": queries,
        "statuses": {page: sorted(set(v)) for page, v in statuses.items()},
    }


def run_child(src: Path, args: argparse.Namespace, db_name: str) -> dict[str, Any]:
    import psycopg

    admin = args.pg_url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    try:
        command = [
            sys.executable, str(Path(__file__).resolve()), "--child",
            "--src", str(src), "--db-name", db_name, "--pg-url", args.pg_url,
            "--learners", str(args.learners), "--walkers", str(args.walkers),
            "--passes", str(args.passes), "--per-cohort", str(args.per_cohort),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(src)}
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if out.returncode:
            raise RuntimeError(f"{src}: {out.stderr[-3000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    p.add_argument("--src", default=str(ROOT), help="the checkout to compare with this one")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--learners", type=int, default=40, help="learners in the database")
    p.add_argument("--walkers", type=int, default=8, help="learners who walk the loop")
    p.add_argument("--passes", type=int, default=6, help="loops per walker (first not counted)")
    p.add_argument("--per-cohort", type=int, default=40)
    p.add_argument("--seed", type=int, default=2027)
    p.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    p.add_argument("--db-name", default="yachay_bench_profile")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(walk(args)))
        return 0
    other, this = Path(args.src).resolve(), ROOT
    results: dict[str, list[dict[str, Any]]] = {"other": [], "this": []}
    for n in range(args.rounds):
        for label, src in (("other", other), ("this", this)):
            found = run_child(src, args, f"{args.db_name}_{label}")
            results[label].append(found)
            print(f"round {n + 1} {label} ({src}): {json.dumps(found)}", flush=True)
    import bench.learning_load as ll

    print()
    print(f"| page | queries: {other.name} / this | CPU ms per page in the Django process: "
          f"{other.name} / this (median of {args.rounds} rounds) | this ÷ {other.name} |")  # fmt: skip
    print("| --- | ---: | ---: | ---: |")
    totals = {"other": 0.0, "this": 0.0}
    for page in ll.PAGES:
        med = {
            label: statistics.median(r["cpu_ms"][page] for r in results[label]) for label in results
        }
        q = {label: results[label][-1]["queries"].get(page, 0) for label in results}
        totals["other"] += med["other"]
        totals["this"] += med["this"]
        print(
            f"| {ll.LABELS[page]} | {q['other']} / {q['this']} "
            f"| {med['other']:.1f} / {med['this']:.1f} | {med['this'] / med['other']:.2f} |"
        )
    print(
        f"| **the loop (6 pages)** | | {totals['other']:.1f} / {totals['this']:.1f} "
        f"| **{totals['this'] / totals['other']:.2f}** |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
