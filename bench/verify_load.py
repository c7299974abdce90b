"""Verification page under load: 50 clients on gunicorn + PostgreSQL, beside a static file.

Run it from the repository root (``make bench-verify``; ``BENCH_ARGS='--clients 20'``):

    .venv/bin/python bench/verify_load.py

1. makes a fresh PostgreSQL database (``yachay_certperf`` unless ``--db``; dropped afterwards),
   issues ``--certificates`` certificates through ``certificates_issue_many`` (a tenth of them
   revoked), collects the static files into a temporary ``STATIC_ROOT``;
2. starts gunicorn like the other load benches (``YACHAY_ENV=production``, DEBUG off, sync
   workers, 2 × cores + 1), with the verification rate limit off (``YACHAY_RATELIMIT_VERIFY=0``:
   50 clients from one address would otherwise be limited, which is the point of the limit);
3. for ``--rounds`` rounds, runs three phases one after another, each with ``--clients``
   clients that request, wait for the answer, think (uniform 0 to 2 × ``--think`` seconds) and
   request again, ``--requests`` requests in all:

   - **static**: ``verify.css`` through WhiteNoise (the ceiling: the same server, no Django view);
   - **known**: ``/verificar/<code>/`` of issued certificates (valid and revoked);
   - **unknown**: ``/verificar/<code>/`` of well-formed codes no certificate has;

4. reports per phase the medians over rounds of p50/p95/max latency and answers per second,
   the ratio of the pages' p95 to the static file's, and known against unknown (the unknown
   answer must not be quicker: it does the same queries and renders the same template);
   and the page's size. Exit status 0 when every answer had the expected status.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.intake_load import (  # noqa: E402
    bench_environment,
    db_create,
    db_drop,
    free_port,
    start_gunicorn,
    stop_gunicorn,
    wait_ready,
    with_dbname,
)

STATIC_FILE = "certificates/verify.css"
GOAL_P95_MS = 50.0


@dataclass
class Phase:
    kind: str
    round: int
    times_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wall_s: float = 0.0

    def q(self, fraction: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def rate(self) -> float:
        return len(self.times_ms) / self.wall_s


async def run_phase(
    base_url: str, paths: list[str], clients: int, think: float, phase: Phase, seed: int
) -> None:
    rng = random.Random(seed)
    queue = list(paths)
    rng.shuffle(queue)
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=0)

    async def client(session: aiohttp.ClientSession, offset: float) -> None:
        await asyncio.sleep(offset)
        while queue:
            path = queue.pop()
            began = time.perf_counter()
            async with session.get(base_url + path, allow_redirects=False) as response:
                await response.read()
                status = response.status
            phase.times_ms.append((time.perf_counter() - began) * 1000)
            phase.statuses[status] = phase.statuses.get(status, 0) + 1
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))

    async with aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"Accept-Language": "es"},
    ) as session:
        began = time.perf_counter()
        await asyncio.gather(*(client(session, rng.uniform(0, 2 * think)) for _ in range(clients)))
        phase.wall_s = time.perf_counter() - began


def prepare(certificates: int, var: Path) -> tuple[list[str], str, int]:
    """Issue the certificates (a tenth revoked); their codes, the static path, the page size."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from bench.certificate_issue_bench import setup
    from yachay.certificates.models import Certificate
    from yachay.certificates.services import certificate_revoke, certificates_issue_many
    from yachay.core.actors import SYSTEM

    ids, _single = setup(certificates, 0, var)
    for start in range(0, len(ids), 500):
        certificates_issue_many(enrollment_ids=ids[start : start + 500], actor=SYSTEM)
    issued = list(Certificate.objects.order_by("pk"))
    for certificate in issued[::10]:
        certificate_revoke(certificate=certificate, reason="bench", actor=SYSTEM)
    call_command("collectstatic", interactive=False, verbosity=0)
    static_path = staticfiles_storage.url(STATIC_FILE)
    assert Path(settings.STATIC_ROOT).is_dir()
    page = Client(HTTP_ACCEPT_LANGUAGE="es", HTTP_HOST="127.0.0.1").get(
        f"/verificar/{issued[1].code}/"
    )
    connections.close_all()
    return [c.code for c in issued], static_path, len(page.content)


def unknown_codes(count: int, known: set[str], rng: random.Random) -> list[str]:
    from yachay.certificates.models import CODE_ALPHABET

    codes: list[str] = []
    while len(codes) < count:
        raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        if code not in known:
            codes.append(code)
    return codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="per phase and round")
    parser.add_argument("--think", type=float, default=0.5, help="mean think time, seconds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2) + 1)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db", default="yachay_certperf")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "verify.md")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="yachay-verify-bench-"))
    env = bench_environment(with_dbname(args.pg_url, args.db))
    env.update(
        YACHAY_RATELIMIT_VERIFY="0",
        YACHAY_VAR_DIR=str(var),
        YACHAY_MEDIA_ROOT=str(var / "media"),
        YACHAY_SIGNING_KEYS_DIR=str(var / "signing-keys"),
        YACHAY_CERTIFICATE_PDF_DIR=str(var / "pdfs"),
        STATIC_ROOT=str(var / "static"),
        YACHAY_SITE_URL="http://127.0.0.1",
    )
    os.environ.update(env)
    db_create(args.pg_url, args.db)
    server = None
    try:
        import django

        django.setup()
        began = time.perf_counter()
        codes, static_path, page_bytes = prepare(args.certificates, var)
        print(f"{len(codes)} certificates issued ({time.perf_counter() - began:.0f} s)")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = start_gunicorn(args, env, port, log_name="verify-gunicorn.log")
        wait_ready(server, base_url)
        rng = random.Random(2027)
        known = set(codes)
        load_before = os.getloadavg()
        phases: list[Phase] = []
        for round_ in range(args.rounds):
            for kind in ("static", "known", "unknown"):
                if kind == "static":
                    paths = [static_path] * args.requests
                elif kind == "known":
                    paths = [f"/verificar/{rng.choice(codes)}/" for _ in range(args.requests)]
                else:
                    paths = [f"/verificar/{c}/" for c in unknown_codes(args.requests, known, rng)]
                phase = Phase(kind, round_)
                asyncio.run(
                    run_phase(base_url, paths, args.clients, args.think, phase, seed=round_)
                )
                phases.append(phase)
                print(
                    f"round {round_ + 1} {kind:8} p50 {phase.q(0.5):6.1f} ms  p95 "
                    f"{phase.q(0.95):6.1f} ms  {phase.rate:5.0f}/s  {phase.statuses}",
                    flush=True,
                )
        load_after = os.getloadavg()
    finally:
        if server is not None:
            stop_gunicorn(server)
        from django.db import connections

        connections.close_all()
        db_drop(args.pg_url, args.db)
        shutil.rmtree(var, ignore_errors=True)

    def med(kind: str, what: str) -> float:
        chosen = [p for p in phases if p.kind == kind]
        if what == "rate":
            return statistics.median(p.rate for p in chosen)
        if what == "max":
            return statistics.median(max(p.times_ms) for p in chosen)
        return statistics.median(p.q(float(what)) for p in chosen)

    expected = {"static": {200}, "known": {200}, "unknown": {404}}
    ok = all(set(p.statuses) <= expected[p.kind] for p in phases)
    static95 = med("static", "0.95")
    rows = "\n".join(
        f"| {kind} | {med(kind, '0.5'):.1f} | {med(kind, '0.95'):.1f} | {med(kind, 'max'):.0f} "
        f"| {med(kind, 'rate'):.0f} | {med(kind, '0.95') / static95:.1f} |"
        for kind in ("static", "known", "unknown")
    )
    known95, unknown95 = med("known", "0.95"), med("unknown", "0.95")
    known50, unknown50 = med("known", "0.5"), med("unknown", "0.5")
    worst95 = max(known95, unknown95)
    text = f"""## Verification page under {args.clients} clients (gunicorn + PostgreSQL)

Command: `.venv/bin/python bench/verify_load.py` (`make bench-verify`). Run
{time.strftime("%Y-%m-%d %H:%M", time.gmtime())} UTC on a shared {os.cpu_count()}-core machine,
load average {load_before[0]:.1f} before and {load_after[0]:.1f} after (other sessions were
running; the client runs on the same cores).

gunicorn `{args.worker_class}`, {args.workers} workers; {args.certificates:,} certificates (a
tenth revoked); {args.clients} clients, each requesting, waiting for the answer and thinking
0–{2 * args.think:.1f} s; {args.requests:,} requests per phase, {args.rounds} rounds, phases
one after another; medians over rounds. Rate limit off for the run.

| phase | p50 ms | p95 ms | max ms | answers/s | p95 × static |
|---|---:|---:|---:|---:|---:|
{rows}

- Goal p95 < {GOAL_P95_MS:.0f} ms: **{"met" if worst95 < GOAL_P95_MS else "NOT met"}** (worst page
  p95 {worst95:.1f} ms).
- Unknown against known code: p50 {unknown50:.1f} vs {known50:.1f} ms, p95 {unknown95:.1f} vs
  {known95:.1f} ms (same queries, same template: tests pin it; the difference here is
  noise).
- The page with a valid certificate: {page_bytes:,} bytes (limit 15 KB), no JavaScript.
- Statuses: {"as expected" if ok else "UNEXPECTED: " + str([p.statuses for p in phases])}.
"""
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
