"""Transparency page benchmark: 100 concurrent visitors on gunicorn + PostgreSQL, beside a static file.

Run it from the repository root:

    .venv/bin/python bench/transparency_load.py          # or: make bench-transparency
    .venv/bin/python bench/transparency_load.py --rounds 1 --duration 10   # a quicker look

The figure (issue #13): the public page ``/transparencia/`` answers with a p95 under 50 ms
under 100 concurrent clients.

What it does, every run:

1. drops and creates the PostgreSQL database ``yachay_bench_transparency``, migrates it with
   ``bench.settings_bench`` (production settings), loads the demo program, its call and
   ``--applicants`` applicants (``demo.applicants.demo_load``), and counts the public
   aggregates once (``reports.services.public_snapshot_refresh``, timed: what the hourly
   task costs), so that the page reads a stored snapshot as in production;
2. collects the static files into a temporary ``STATIC_ROOT`` and starts gunicorn on it like
   the other benches (``YACHAY_ENV=production``, DEBUG off, WhiteNoise serving ``/static/``);
3. from this process an asyncio client (aiohttp) runs ``--clients`` visitors at once, each
   its own connection, no cookie (the public), ``Accept-Encoding: gzip``, half of them asking
   for English. A visitor loops: one request, then a think time drawn uniformly from
   ``--think`` seconds (0.5-1.5 by default; ``--think 0 0`` is a closed loop that measures
   saturation throughput instead). Latency is from send to the last byte. Phases of
   ``--duration`` seconds, interleaved in each of ``--rounds`` rounds:
   - **page**: ``GET /transparencia/``;
   - **data**: ``GET /transparencia/datos.json`` (the open data);
   - **static**: ``GET`` of the page's own stylesheet (``reports/transparency.css``, hashed
     name, served by WhiteNoise from the same gunicorn): the ceiling of this stack;
4. prints the table (medians over rounds of each phase's p50/p95/p99, throughput, errors)
   and the ratio of the page's p95 to the static file's, and writes it to
   ``bench/results/transparency.md`` (copy it into docs/benchmarks.md);
5. always stops gunicorn and drops the database.

Exit status 0 when no request failed (the p95 is reported, not enforced), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake_load import (
    RESULTS_DIR,
    BenchRun,
    add_server_args,
    bench_environment,
    django_setup,
    free_port,
    machine,
    parse_server_args,
    run_bench,
    start_gunicorn,
    stop_gunicorn,
    wait_ready,
    with_dbname,
    write_report,
)

DEFAULT_DOC = RESULTS_DIR / "transparency.md"
GOAL_P95_MS = 50.0
PHASES = ("page", "data", "static")


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    seconds: float = 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def run_phase(name: str, url: str, args: argparse.Namespace, rng: random.Random) -> Phase:
    phase = Phase(name)
    stop_at = time.monotonic() + args.duration
    timeout = aiohttp.ClientTimeout(total=args.timeout)

    async def visitor(n: int) -> None:
        headers = {"Accept-Encoding": "gzip", "Accept-Language": "en" if n % 2 else "es"}
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, auto_decompress=False
        ) as session:
            await asyncio.sleep(rng.uniform(0, max(args.think[1], 0.05)))  # staggered start
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    async with session.get(url, headers=headers) as response:
                        await response.read()
                        ok = response.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                if ok:
                    phase.latencies.append(elapsed)
                else:
                    phase.errors += 1
                if args.think[1] > 0:
                    await asyncio.sleep(rng.uniform(args.think[0], args.think[1]))

    began = time.monotonic()
    await asyncio.gather(*(visitor(n) for n in range(args.clients)))
    phase.seconds = time.monotonic() - began
    return phase


def prepare(applicants: int, seed: int) -> tuple[float, str, int]:
    """Migrate, load the demo call and applicants, count the snapshot; (seconds to count it,
    the stylesheet's URL, the page's bytes)."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.db import connections

    from yachay.core.actors import SYSTEM
    from yachay.demo.applicants import demo_load
    from yachay.reports import services

    call_command("migrate", interactive=False, verbosity=0)
    demo_load(applicants=applicants, seed=seed)
    started = time.perf_counter()
    services.public_snapshot_refresh(actor=SYSTEM)
    counted = time.perf_counter() - started
    call_command("collectstatic", interactive=False, verbosity=0)
    stylesheet = staticfiles_storage.url("reports/transparency.css")
    connections.close_all()
    return counted, stylesheet, 0


def report(
    args: argparse.Namespace, rounds: list[dict[str, Phase]], counted: float, host: dict[str, str]
) -> str:
    def med(name: str, f: str) -> float:
        values = []
        for r in rounds:
            p = r[name]
            values.append({"p50": p.pct(0.5), "p95": p.pct(0.95), "p99": p.pct(0.99),
                           "rate": p.rate}[f])  # fmt: skip
        return statistics.median(values)

    ratios = [r["page"].pct(0.95) / r["static"].pct(0.95) for r in rounds]
    lines = [
        "## Transparency page: 100 concurrent visitors (gunicorn + PostgreSQL)",
        "",
        f"`{' '.join(['bench/transparency_load.py', *args.argv])}` — "
        f"{host.get('cpu', '?')}; {host.get('software', '?')}; {host.get('load', '')}; gunicorn "
        f"`{args.worker_class}`, {args.workers} workers; {args.clients} visitors at once, think "
        f"time {args.think[0]:g}–{args.think[1]:g} s, {args.duration:g} s per phase, "
        f"{args.rounds} round(s) (medians); {args.applicants:,} applicants; the snapshot was "
        f"counted once in {counted:.1f} s.",
        "",
        "| phase | requests/s | p50 ms | p95 ms | p99 ms | errors (all rounds) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in PHASES:
        errors = sum(r[name].errors for r in rounds)
        lines.append(
            f"| {name} | {med(name, 'rate'):.0f} | {med(name, 'p50'):.1f} | "
            f"{med(name, 'p95'):.1f} | {med(name, 'p99'):.1f} | {errors} |"
        )
    lines += [
        "",
        f"Page p95 / static p95 (per round, median): {statistics.median(ratios):.2f}× "
        f"({', '.join(f'{x:.2f}' for x in ratios)}). Goal: page p95 under {GOAL_P95_MS:g} ms "
        f"— {'met' if med('page', 'p95') < GOAL_P95_MS else 'NOT met'} in this run.",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--think", type=float, nargs=2, default=[0.5, 1.5], metavar=("MIN", "MAX"))
    p.add_argument("--applicants", type=int, default=20_000)
    add_server_args(p, db_name="yachay_bench_transparency", output=DEFAULT_DOC)
    return parse_server_args(p, argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    env = bench_environment(with_dbname(args.pg_url, args.db_name))

    def body(run: BenchRun) -> int:
        django_setup(env)
        counted, stylesheet, _ = prepare(args.applicants, args.seed)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        run.server = start_gunicorn(args, env, port, log_name="transparency-gunicorn.log")
        wait_ready(run.server, base)
        urls = {
            "page": "/transparencia/",
            "data": "/transparencia/datos.json",
            "static": stylesheet,
        }
        rng = random.Random(args.seed)
        # Warm every worker (its process memo and cached page body), not measured.
        asyncio.run(run_phase("page", base + urls["page"],
                              argparse.Namespace(**{**vars(args), "duration": 3.0}), rng))  # fmt: skip
        rounds: list[dict[str, Phase]] = []
        for n in range(args.rounds):
            done: dict[str, Phase] = {}
            for name in PHASES:
                done[name] = asyncio.run(run_phase(name, base + urls[name], args, rng))
                p = done[name]
                print(
                    f"round {n + 1} {name:6}: {p.rate:6.0f} req/s, p50 {p.pct(0.5):6.1f} ms, "
                    f"p95 {p.pct(0.95):6.1f} ms, p99 {p.pct(0.99):6.1f} ms, errors {p.errors}",
                    flush=True,
                )
            rounds.append(done)
        stop_gunicorn(run.server)
        write_report(args, report(args, rounds, counted, machine(args.pg_url)))
        return 0 if all(p.errors == 0 for r in rounds for p in r.values()) else 1

    with tempfile.TemporaryDirectory(prefix="yachay-bench-static-") as static_root:
        env["STATIC_ROOT"] = static_root
        return run_bench(args, body)


if __name__ == "__main__":
    sys.exit(main())
