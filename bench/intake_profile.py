"""Where the intake endpoint spends its CPU: the request path in-process, under cProfile.

    .venv/bin/python bench/intake_profile.py                 # 400 requests of each kind
    .venv/bin/python bench/intake_profile.py --requests 1000 --top 40

Creates the PostgreSQL database ``--db-name`` (dropped at the end), prepares it as
``bench/intake_load.py`` does (production settings, an open call, an API key), then sends
valid unique applications through Django's full handler (every middleware, the API, the
service, the database) with ``django.test.Client``: first the real endpoint and the bare
one-row insert, alternately, measuring this process's CPU time per request and the SQL
queries per request; then the real endpoint again under cProfile, printing the functions
with the most cumulative time. No network and no gunicorn: it shows the Python side only
(PostgreSQL's own CPU is in ``make bench-intake``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.intake_load import (  # noqa: E402
    BARE_PATH,
    REAL_PATH,
    Payloads,
    bench_environment,
    db_create,
    db_drop,
    django_setup,
    prepare,
    with_dbname,
)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    p.add_argument("--requests", type=int, default=400, help="per endpoint and pass")
    p.add_argument("--top", type=int, default=30)
    p.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    p.add_argument("--db-name", default="yachay_bench_profile")
    p.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    args = p.parse_args(argv)
    if not args.db_name.startswith("yachay_bench"):
        p.error("--db-name must start with yachay_bench: the profile drops it")
    db_create(args.pg_url, args.db_name)
    try:
        env = bench_environment(with_dbname(args.pg_url, args.db_name))
        env["ALLOWED_HOSTS"] = "testserver"
        django_setup(env)
        raw_key, districts = prepare(seats=20_000)
        return run(args, raw_key, districts)
    finally:
        from django.db import connections

        connections.close_all()
        db_drop(args.pg_url, args.db_name)


def run(args: argparse.Namespace, raw_key: str, districts: list[str]) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    payloads = Payloads(seed=7, districts=districts)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}

    def real() -> int:
        _dni, body = payloads.next()
        r = client.post(REAL_PATH, body, content_type="application/json", **auth)
        return r.status_code

    def bare() -> int:
        _dni, body = payloads.next()
        return client.post(BARE_PATH, body, content_type="application/json").status_code

    for _ in range(30):  # warm-up: imports, templates, connection
        assert real() == 201 and bare() == 201
    cpu = {"real": 0.0, "bare": 0.0}
    for _ in range(args.requests):
        for name, fn in (("real", real), ("bare", bare)):
            start = time.process_time()
            status = fn()
            cpu[name] += time.process_time() - start
            assert status == 201, status
    queries = {}
    for name, fn in (("real", real), ("bare", bare)):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries[name] = [q["sql"] for q in ctx.captured_queries]
    real_ms = cpu["real"] / args.requests * 1000
    bare_ms = cpu["bare"] / args.requests * 1000
    print(f"this process's CPU per request: real {real_ms:.2f} ms, bare {bare_ms:.2f} ms, ")
    print(f"  real/bare {real_ms / bare_ms:.2f} ({args.requests} of each, interleaved)")
    for name, sqls in queries.items():
        print(f"queries per request, {name}: {len(sqls)}")
        for sql in sqls:
            print("   ", sql[:150])

    # The email is no longer sent in the request: what the task worker spends on each one.
    from yachay.intake.models import Application
    from yachay.intake.services import application_send_confirmation

    ids = list(Application.objects.order_by("-id").values_list("id", flat=True)[: args.requests])
    start = time.process_time()
    for application_id in ids:
        application_send_confirmation(application_id=application_id)
    email_ms = (time.process_time() - start) / len(ids) * 1000
    print(f"the task worker's CPU per confirmation email (locmem backend): {email_ms:.2f} ms")

    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on PostgreSQL
    profiler.enable()
    for _ in range(args.requests):
        real()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
