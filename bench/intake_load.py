"""Intake benchmark: applications through the API on gunicorn + PostgreSQL, beside a bare ceiling.

Run it from the repository root:

    .venv/bin/python bench/intake_load.py          # or: make bench-intake
    .venv/bin/python bench/intake_load.py --rounds 1 --duration 10   # a quicker look

What it does, every run:

1. drops and creates the PostgreSQL database ``yachay_bench`` (``--pg-url`` names the
   server's maintenance database), migrates it with ``bench.settings_bench`` (production
   settings plus the bare app), and creates a program, an open call (ages 18-70, RUC
   required for business owners) and an API key through the services;
2. starts gunicorn serving ``yachay.wsgi`` with ``YACHAY_ENV=production``, DEBUG off,
   the API rate limit off (``YACHAY_RATELIMIT_API=0``) and the locmem email backend; the
   confirmation email is queued as a task after commit (no worker runs
   here: ``bench/intake_profile.py`` measures the worker's CPU per email);
3. from this process (a second process; gunicorn is the first) an asyncio client (aiohttp)
   loads two endpoints on the same stack:
   - **real**: ``POST /api/v1/calls/bench-2027/applications`` with a Bearer key, each body a
     valid, unique application (unique DNI, valid phone, district ubigeo, RUC for owners);
   - **bare**: ``POST /bench/bare/``, a plain Django view behind the same middleware and
     database that parses the same JSON and inserts one row: the ceiling;
   with 50 and with 200 clients in a closed loop (each sends again as soon as it has an
   answer: the capacity), and with 200 clients in an open loop bringing 200 requests/s
   (the latency at the goal's rate; see ``load``); each scenario a short warm-up, then a
   fixed duration (bounded by ``--max-requests`` too), recording accepted/s (201 answers
   completed inside the window), p50/p95/p99 latency, answers by status, and the CPU
   spent per answer by gunicorn, PostgreSQL and the client; all of it ``--rounds`` times,
   interleaved, because the machine is shared and noisy: the table quotes medians;
4. counts rows: every 201 has exactly one row, no row lacks a 201, DNIs and references
   are unique (zero lost, zero duplicated), and prints that check;
5. prints the table and writes a Markdown section to ``bench/results/intake.md``
   (copy it into docs/benchmarks.md);
6. always stops gunicorn and drops the database (also on Ctrl-C or SIGTERM).

The load client runs on the same two cores as gunicorn and PostgreSQL, so it takes CPU
from the server; the table shows how much. The exit status is 0 when the row check
passes (whether the performance goal is met is reported, not enforced), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bench` and `yachay` importable
    sys.path.insert(0, str(ROOT))

CALL_SLUG = "bench-2027"
CONSENT_VERSION = "2026-1"
REAL = "real"
BARE = "bare"
REAL_PATH = f"/api/v1/calls/{CALL_SLUG}/applications"
BARE_PATH = "/bench/bare/"
DEFAULT_DOC = ROOT / "bench" / "results" / "intake.md"
RESULTS_DIR = ROOT / "bench" / "results"  # git-ignored: the gunicorn log
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# The goal (issue #2): at 200 concurrent clients, >= 200 applications/s, p95 < 300 ms,
# and at least half the bare endpoint's rate.
GOAL_CLIENTS = 200
GOAL_RATE = 200.0
GOAL_P95_MS = 300.0
GOAL_RATIO = 0.5
SYNC_NOTE = (
    " (2 × cores + 1 sync workers, as gunicorn advises for CPU-bound work; on this machine "
    "they served the real endpoint at less CPU per answer than `gthread` with keep-alive, "
    "which mostly helps the bare one)"
)


# --------------------------------------------------------------------------- payloads


GIVEN_NAMES = [
    "Illari", "Amaru", "Urpi", "Rosa María", "José Luis", "Ñusta", "Wayra", "Killa",
    "Inti", "Sumaq", "Yolanda", "Teófilo", "Ch'aska", "Milagros", "Percy", "Quilla",
]  # fmt: skip
SURNAMES = [
    "Quispe", "Mamani", "Huamán", "Flores", "Ccori", "Condori", "Chávez", "Núñez",
    "Apaza", "Ticona", "Mendoza", "Huanca", "Vílchez", "Saavedra", "Pari", "Yupanqui",
]  # fmt: skip
SEGMENTS = ["sme_owner", "entrepreneur", "sme_expert", "other"]
SECTORS = ["commerce", "services", "food", "manufacturing", "agriculture", "tourism"]
SCHEDULES = ["morning", "afternoon", "evening", "weekend"]


class Payloads:
    """Valid, unique application bodies: one DNI per request, across all scenarios."""

    def __init__(self, *, seed: int, districts: list[str]) -> None:
        from stdnum.pe import cui, ruc

        self._cui = cui
        self._ruc = ruc
        self.rng = random.Random(seed)
        self.districts = districts
        self.count = 0
        self.today = dt.date.today()

    def next(self) -> tuple[str, bytes]:
        self.count += 1
        rng = self.rng
        dni = f"{10_000_000 + self.count:08d}"
        age = rng.randint(20, 60)
        birth = dt.date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        mobile = f"9{rng.randrange(10**8):08d}"
        phone = rng.choice(
            [
                f"+51 {mobile[:3]} {mobile[3:6]} {mobile[6:]}",
                f"{mobile[:3]}-{mobile[3:6]}-{mobile[6:]}",
                mobile,
            ]
        )
        segment = rng.choice(SEGMENTS)
        body: dict[str, Any] = {
            "dni": dni,
            "given_names": rng.choice(GIVEN_NAMES),
            "paternal_surname": rng.choice(SURNAMES),
            "maternal_surname": rng.choice(SURNAMES),
            "birth_date": birth.isoformat(),
            "gender": rng.choice(["female", "male", "other", "undisclosed"]),
            "email": f"postulante.{dni}@example.pe",
            "phone": phone,
            "ubigeo": rng.choice(self.districts),
            "segment": segment,
            "modality": rng.choice(["virtual", "in_person"]),
            "schedules": rng.sample(SCHEDULES, rng.randint(1, 3)),
            "digital_level": rng.randint(1, 5),
            "consent": True,
            "consent_version": CONSENT_VERSION,
        }
        if rng.random() < 0.5:
            body["dni_check"] = rng.choice(self._cui.calc_check_digits(dni))
        if segment == "sme_owner":  # a natural person's RUC: 10 + DNI + check digit
            base = "10" + dni
            body["ruc"] = base + self._ruc.calc_check_digit(base)
            body["business_name"] = f"Bodega {body['paternal_surname']}"
            body["sector"] = rng.choice(SECTORS)
            body["woman_led"] = rng.random() < 0.45
        return dni, json.dumps(body).encode()


# --------------------------------------------------------------------------- measuring


@dataclass
class Ledger:
    """Every answer of one endpoint over the whole run (warm-ups and drains included)."""

    accepted: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    accepted_dnis: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)

    @property
    def unknown(self) -> int:
        """Requests without an HTTP answer (timeout, reset): they may or may not be stored."""
        return sum(n for status, n in self.statuses.items() if not status.isdigit())


@dataclass
class CpuSample:
    wall: float
    client: float
    gunicorn: dict[int, float]
    postgres: dict[int, float]
    busy: float


@dataclass
class Result:
    endpoint: str
    clients: int
    pace: float  # 0: closed loop (back to back); else requests/s offered (open loop)
    round: int
    window_s: float
    accepted: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # cores used, by whom

    @property
    def rate(self) -> float:
        return self.accepted / self.window_s

    @property
    def load(self) -> str:
        return scenario_label(self.clients, self.pace)

    def cpu_ms(self, who: str) -> float:
        """CPU milliseconds ``who`` spent per answer in the window (noise-robust cost)."""
        answers = sum(self.statuses.values())
        return self.cpu[who] * self.window_s / answers * 1000 if answers else float("nan")

    @property
    def ours(self) -> float:
        return self.cpu["client"] + self.cpu["gunicorn"] + self.cpu["postgres"]

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    @property
    def rejected(self) -> Counter[str]:
        return Counter({s: n for s, n in self.statuses.items() if s != "201"})


def _proc_cpu(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _processes() -> Iterator[tuple[int, int, str]]:
    """(pid, ppid, command name) of every process we can see."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        yield int(entry.name), ppid, name


def _serves_us(pid: int, db_name: str) -> bool:
    """A PostgreSQL process working for the bench: a backend connected to its database, or
    a shared one (WAL writer, checkpointer...); other sessions' backends are left out."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    is_backend = "(" in title or "[local]" in title  # "postgres: user db 127.0.0.1(port) ..."
    return not is_backend or f" {db_name} " in title


def cpu_sample(gunicorn_pid: int, db_name: str) -> CpuSample:
    gunicorn: dict[int, float] = {}
    postgres: dict[int, float] = {}
    for pid, ppid, name in _processes():
        target = (
            gunicorn if pid == gunicorn_pid or ppid == gunicorn_pid
            else postgres if name.startswith("postgres") and _serves_us(pid, db_name)
            else None
        )  # fmt: skip
        if target is not None and (cpu := _proc_cpu(pid)) is not None:
            target[pid] = cpu
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    busy = (sum(parts[:8]) - parts[3] - parts[4]) / CLOCK_TICKS  # all but idle and iowait
    return CpuSample(time.perf_counter(), time.process_time(), gunicorn, postgres, busy)


def cpu_between(a: CpuSample, b: CpuSample) -> dict[str, float]:
    """Cores used between two samples: by this client, gunicorn, postgres, and in total."""
    wall = b.wall - a.wall

    def delta(x: dict[int, float], y: dict[int, float]) -> float:
        # A process born in between (a new DB connection) counts from zero.
        return sum(cpu - x.get(pid, 0.0) for pid, cpu in y.items())

    return {
        "client": (b.client - a.client) / wall,
        "gunicorn": delta(a.gunicorn, b.gunicorn) / wall,
        "postgres": delta(a.postgres, b.postgres) / wall,
        "machine": (b.busy - a.busy) / wall,
    }


async def load(
    *,
    endpoint: str,
    url: str,
    headers: dict[str, str],
    payloads: Payloads,
    ledger: Ledger,
    clients: int,
    pace: float,
    round_no: int,
    warmup: float,
    duration: float,
    max_requests: int,
    timeout: float,
    gunicorn_pid: int,
    db_name: str,
) -> Result:
    """Load one endpoint for warm-up + duration; measure the window only.

    Closed loop (``pace`` 0): ``clients`` requests always in flight, each client sending
    its next request as soon as the last is answered; this finds the capacity, and its
    latency is ``clients / rate`` by Little's law. Open loop (``pace`` > 0): requests are
    due at ``pace`` per second, sent by up to ``clients`` connections; a request's latency
    runs from when it was due, so waiting for a free connection counts too (no
    coordinated omission). A request counts toward rate and latency when it completes
    inside the window. The ledger sees every answer, so the row check can account for
    warm-ups and drains.
    """
    result = Result(endpoint, clients, pace, round_no, duration)
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    issued = 0
    start = time.perf_counter()
    window_from = start + warmup
    window_to = window_from + duration
    samples: list[CpuSample] = []

    async def sampler() -> None:
        await asyncio.sleep(max(0.0, window_from - time.perf_counter()))
        samples.append(cpu_sample(gunicorn_pid, db_name))
        await asyncio.sleep(max(0.0, window_to - time.perf_counter()))
        samples.append(cpu_sample(gunicorn_pid, db_name))

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal issued
        while time.perf_counter() < window_to and issued < max_requests:
            due = start + issued / pace if pace else 0.0
            if due >= window_to:
                break
            issued += 1
            if pace and (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            dni, body = payloads.next()
            raw = b""
            t0 = due if pace else time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    raw = await response.read()
                    status = str(response.status)
            except TimeoutError:
                status = "timeout"
            except aiohttp.ClientError as exc:
                status = type(exc).__name__
            t1 = time.perf_counter()
            ledger.statuses[status] += 1
            if status == "201":
                ledger.accepted += 1
                ledger.accepted_dnis.append(dni)
                if endpoint == REAL:
                    ledger.references.append(json.loads(raw)["reference"])
            if window_from <= t1 <= window_to:
                result.statuses[status] += 1
                result.latencies_ms.append((t1 - t0) * 1000)
                if status == "201":
                    result.accepted += 1

    # Bounded in time even if the server stalls: the window, then one request timeout.
    limit = warmup + duration + timeout + 5
    async with (
        aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session,
        asyncio.timeout(limit),
        asyncio.TaskGroup() as group,
    ):
        group.create_task(sampler())
        for _ in range(clients):
            group.create_task(client(session))
    result.cpu = cpu_between(samples[0], samples[1])
    return result


def scenarios(args: argparse.Namespace) -> list[tuple[int, float]]:
    """(clients, pace): closed loops at each concurrency, then the paced (open) loop."""
    found = [(c, 0.0) for c in args.clients]
    if args.paced_rate > 0:
        found.append((args.paced_clients, args.paced_rate))
    return found


def scenario_label(clients: int, pace: float) -> str:
    return f"{clients} closed" if not pace else f"{clients} @ {pace:g}/s"


async def run_all(
    args: argparse.Namespace, base_url: str, key: str, payloads: Payloads, gunicorn_pid: int
) -> tuple[list[Result], dict[str, Ledger]]:
    ledgers = {REAL: Ledger(), BARE: Ledger()}
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    urls = {REAL: base_url + REAL_PATH, BARE: base_url + BARE_PATH}
    results: list[Result] = []
    for round_no in range(1, args.rounds + 1):
        for number, (clients, pace) in enumerate(scenarios(args)):
            # Alternate which endpoint goes first, so a drift in the machine's load
            # does not always favour the same one.
            order = [BARE, REAL] if (round_no + number) % 2 else [REAL, BARE]
            for endpoint in order:
                result = await load(
                    endpoint=endpoint,
                    url=urls[endpoint],
                    headers=headers,
                    payloads=payloads,
                    ledger=ledgers[endpoint],
                    clients=clients,
                    pace=pace,
                    round_no=round_no,
                    warmup=args.warmup,
                    duration=args.duration,
                    max_requests=args.max_requests,
                    timeout=args.timeout,
                    gunicorn_pid=gunicorn_pid,
                    db_name=args.db_name,
                )
                results.append(result)
                print(row_text(result), flush=True)
                await asyncio.sleep(args.pause)
    return results, ledgers


# --------------------------------------------------------------------------- database


def with_dbname(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)


def db_create(pg_url: str, name: str) -> None:
    pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(pg_url, f'CREATE DATABASE "{name}"')


def db_drop(pg_url: str, name: str) -> None:
    pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_environment(db_url: str) -> dict[str, str]:
    """The server's environment: production settings, on loopback without TLS."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "DATABASE_URL": db_url,
        "YACHAY_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; TLS ends at a proxy
        "DEBUG": "false",
        "YACHAY_RATELIMIT_API": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "EMAIL_HOST": "",  # an SMTP host would override EMAIL_BACKEND
        "REDIS_URL": "",  # rate limits off: nothing uses the cache
        "LOG_LEVEL": "WARNING",
    }


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare(seats: int) -> tuple[str, list[str]]:
    """Migrate, create the program, the open call and an API key; return the raw key and
    the district codes the payloads draw from."""
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from yachay.accounts.services import api_key_create
    from yachay.core import ubigeo
    from yachay.core.actors import SYSTEM
    from yachay.programs.models import Call, Program

    call_command("migrate", interactive=False, verbosity=0)
    # There is no program/call service yet (they are edited in the admin); the test base
    # creates them the same way.
    program = Program.objects.create(
        name="IA para MYPEs — Perú 2027 (bench)",
        slug="bench-2027",
        seats_target=20_000,
        starts_on=dt.date(2027, 1, 15),
        ends_on=dt.date(2027, 12, 15),
    )
    now = timezone.now()
    Call.objects.create(
        program=program,
        title="Convocatoria de carga",
        slug=CALL_SLUG,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        seats=seats,
        min_age=18,
        max_age=70,
        ruc_required_segments=["sme_owner"],
        consent_version=CONSENT_VERSION,
        consent_text="Autorizo el tratamiento de mis datos personales (Ley 29733).",
    )
    _key, raw = api_key_create(name="bench", actor=SYSTEM)
    districts = sorted(ubigeo.places().districts)
    connections.close_all()
    return raw, districts


@dataclass
class Check:
    lines: list[str]
    ok: bool


def check_rows(ledgers: dict[str, Ledger]) -> Check:
    """Zero lost, zero duplicated: rows against 201 answers, uniqueness of DNIs and references."""
    from django.db import connections
    from django.db.models import Count

    from bench.bare.models import Hit
    from yachay.core.models import AuditEvent
    from yachay.intake.models import Application

    real, bare = ledgers[REAL], ledgers[BARE]
    apps = Application.objects.filter(call__slug=CALL_SLUG)
    rows = apps.count()
    stats = apps.aggregate(dnis=Count("dni", distinct=True), refs=Count("reference", distinct=True))
    audits = AuditEvent.objects.filter(action="application.submit").count()
    db_refs = set(apps.values_list("reference", flat=True))
    hits = Hit.objects.count()
    tokens = Hit.objects.aggregate(n=Count("token", distinct=True))["n"]
    db_tokens = set(Hit.objects.values_list("token", flat=True))
    connections.close_all()

    real_ok = (
        rows == real.accepted
        and stats["dnis"] == rows
        and stats["refs"] == rows
        and len(set(real.references)) == real.accepted
        and set(real.references) == db_refs
        and audits == rows
    )
    bare_ok = hits == bare.accepted and tokens == hits and set(bare.accepted_dnis) == db_tokens
    lines = [
        f"real: {real.accepted} answers 201, {rows} application rows "
        f"({stats['dnis']} distinct DNIs, {stats['refs']} distinct references, "
        f"{audits} audit rows); answered references == stored references: "
        f"{set(real.references) == db_refs}; no answer (timeouts, resets): {real.unknown}",
        f"bare: {bare.accepted} answers 201, {hits} rows ({tokens} distinct tokens); "
        f"no answer: {bare.unknown}",
        f"lost: {max(0, real.accepted - rows) + max(0, bare.accepted - hits)}, "
        f"stored without a 201: {max(0, rows - real.accepted) + max(0, hits - bare.accepted)}, "
        f"duplicated: {(rows - stats['dnis']) + (rows - stats['refs']) + (hits - tokens)}"
        f" -> {'OK' if real_ok and bare_ok else 'FAILED'}",
    ]
    return Check(lines, real_ok and bare_ok)


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(
    args: argparse.Namespace, env: dict[str, str], port: int, log_name: str = "intake-gunicorn.log"
) -> subprocess.Popen[bytes]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    log = (RESULTS_DIR / log_name).open("wb")
    if args.worker_class == "repo":
        # The configuration `make run` and docs/operators.md use (gunicorn.conf.py): threaded
        # workers, keep-alive, the overload limiter and the PostgreSQL pool of the settings.
        command = [
            sys.executable, "-m", "gunicorn",
            "--config", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}",
            "--chdir", str(ROOT),
            "--workers", str(args.workers),
            "--log-level", "warning",
        ]  # fmt: skip
        if args.threads > 1:
            command += ["--threads", str(args.threads)]
        extra = {"GUNICORN_ACCESS_LOG": ""}
    else:
        # The server as the benches ran it before issue #17: sync (or plain gthread) workers,
        # one persistent connection per worker, no limiter.
        command = [
            sys.executable, "-m", "gunicorn", "yachay.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--chdir", str(ROOT),
            "--worker-class", args.worker_class,
            "--workers", str(args.workers),
            "--threads", str(args.threads),
            "--backlog", "2048",
            "--timeout", "60",
            "--log-level", "warning",
        ]  # fmt: skip
        extra = {"YACHAY_OVERLOAD_ACTIVE": "0", "DB_POOL_MAX_SIZE": "0"}
    full_env = {**os.environ, **env, **extra, "PYTHONPATH": str(ROOT)}
    # Its own session: a Ctrl-C in the terminal reaches us, and we stop it in order.
    return subprocess.Popen(command, env=full_env, stdout=log, stderr=log, start_new_session=True)


def wait_ready(proc: subprocess.Popen[bytes], base_url: str, limit: float = 120.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {RESULTS_DIR}")
        try:
            urllib.request.urlopen(base_url + "/api/v1/openapi.json", timeout=2).read()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {limit:.0f} s")


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only its workers
        proc.wait(timeout=5)


# --------------------------------------------------------------------------- reporting


def fmt_rejected(counter: Counter[str]) -> str:
    return ", ".join(f"{status}×{n}" for status, n in sorted(counter.items())) or "0"


def row_text(r: Result) -> str:
    return (
        f"{r.endpoint:<5} {r.load:>14}  round {r.round}: {r.rate:7.1f} accepted/s  "
        f"p50 {r.pct(50):6.1f}  p95 {r.pct(95):6.1f}  p99 {r.pct(99):6.1f} ms  "
        f"not 201: {fmt_rejected(r.rejected)}  CPU ms/answer: gunicorn "
        f"{r.cpu_ms('gunicorn'):.1f}, postgres {r.cpu_ms('postgres'):.1f}, client "
        f"{r.cpu_ms('client'):.1f}; cores busy: ours {r.ours:.2f}, machine {r.cpu['machine']:.2f}"
    )


@dataclass
class Summary:
    endpoint: str
    clients: int
    pace: float
    runs: list[Result]

    def median(self, value: str) -> float:
        getters = {
            "rate": lambda r: r.rate,
            "p50": lambda r: r.pct(50),
            "p95": lambda r: r.pct(95),
            "p99": lambda r: r.pct(99),
        }
        if value in getters:
            return statistics.median(getters[value](r) for r in self.runs)
        if value == "ours":
            return statistics.median(r.ours for r in self.runs)
        if value.endswith("_ms"):
            return statistics.median(r.cpu_ms(value.removesuffix("_ms")) for r in self.runs)
        return statistics.median(r.cpu[value] for r in self.runs)

    @property
    def rejected(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for r in self.runs:
            total.update(r.rejected)
        return total


def summarise(results: list[Result], args: argparse.Namespace) -> list[Summary]:
    return [
        Summary(
            endpoint,
            clients,
            pace,
            [r for r in results if (r.endpoint, r.clients, r.pace) == (endpoint, clients, pace)],
        )
        for clients, pace in scenarios(args)
        for endpoint in (REAL, BARE)
    ]


def find(summaries: list[Summary], endpoint: str, clients: int, pace: float) -> Summary | None:
    wanted = (endpoint, clients, pace)
    return next((s for s in summaries if (s.endpoint, s.clients, s.pace) == wanted), None)


def ratios(results: list[Result], clients: int, pace: float = 0.0) -> list[float]:
    """real/bare accepted/s, per round (both measured a minute apart on the same server)."""
    by_round: dict[int, dict[str, float]] = {}
    for r in results:
        if (r.clients, r.pace) == (clients, pace):
            by_round.setdefault(r.round, {})[r.endpoint] = r.rate
    return [v[REAL] / v[BARE] for v in by_round.values() if v.get(BARE) and REAL in v]


def goal(summaries: list[Summary], results: list[Result]) -> tuple[bool, list[str]]:
    """The issue's goal, read as: capacity (closed loop at 200 clients) of at least 200
    applications/s and half the bare capacity; p95 under 300 ms when 200 clients bring
    200 applications/s (the paced run). A closed loop of 200 clients cannot have a p95
    under 300 ms below ~670 answers/s (Little's law), for the bare endpoint neither."""
    closed = find(summaries, REAL, GOAL_CLIENTS, 0.0)
    paced = find(summaries, REAL, GOAL_CLIENTS, GOAL_RATE)
    if closed is None or not closed.runs:
        return False, [f"not measured with {GOAL_CLIENTS} clients in a closed loop"]
    ratio = statistics.median(ratios(results, GOAL_CLIENTS) or [0.0])
    checks = [
        (
            closed.median("rate") >= GOAL_RATE,
            f"capacity {closed.median('rate'):.0f} applications/s at {GOAL_CLIENTS} clients "
            f"(goal ≥ {GOAL_RATE:.0f})",
        ),
        (ratio >= GOAL_RATIO, f"real/bare capacity {ratio:.2f} (goal ≥ {GOAL_RATIO})"),
    ]
    if paced is not None and paced.runs:
        kept_up = paced.median("rate") >= 0.95 * GOAL_RATE
        checks.append(
            (
                paced.median("p95") < GOAL_P95_MS and kept_up,
                f"p95 {paced.median('p95'):.0f} ms with {GOAL_CLIENTS} clients bringing "
                f"{GOAL_RATE:.0f}/s, {paced.median('rate'):.0f}/s accepted "
                f"(goal < {GOAL_P95_MS:.0f} ms, keeping up)",
            )
        )
    else:
        checks.append(
            (
                closed.median("p95") < GOAL_P95_MS,
                f"p95 {closed.median('p95'):.0f} ms in the closed loop (goal < {GOAL_P95_MS:.0f})",
            )
        )
    return all(ok for ok, _ in checks), [
        f"{'met' if ok else 'MISSED'}: {text}" for ok, text in checks
    ]


def table_markdown(summaries: list[Summary]) -> list[str]:
    lines = [
        "| endpoint | clients (loop) | accepted/s (rounds) | p50 ms | p95 ms | p99 ms | not 201 "
        "| CPU ms per answer: gunicorn / postgres / client | cores busy: ours / machine |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]  # fmt: skip
    for s in summaries:
        if not s.runs:
            continue
        rounds = ", ".join(f"{r.rate:.0f}" for r in s.runs)
        cpu = " / ".join(f"{s.median(k):.1f}" for k in ("gunicorn_ms", "postgres_ms", "client_ms"))
        busy = f"{s.median('ours'):.2f} / {s.median('machine'):.2f}"
        lines.append(
            f"| {s.endpoint} | {scenario_label(s.clients, s.pace)} | "
            f"**{s.median('rate'):.0f}** ({rounds}) | "
            f"{s.median('p50'):.0f} | {s.median('p95'):.0f} | {s.median('p99'):.0f} | "
            f"{fmt_rejected(s.rejected)} | {cpu} | {busy} |"
        )
    return lines


def machine(pg_url: str) -> dict[str, str]:
    cpu = "unknown CPU"
    with suppress(OSError):
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1).strip() if match else cpu
    mem = "?"
    with suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
    from importlib.metadata import version

    import psycopg

    pg = "?"
    with suppress(Exception), psycopg.connect(pg_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg = row[0].split()[0] if row else pg
    return {
        "cpu": f"{os.cpu_count()} × {cpu}, {mem} RAM",
        "software": (
            f"Python {platform.python_version()}, Django {version('django')}, "
            f"gunicorn {version('gunicorn')}, PostgreSQL {pg}, aiohttp {version('aiohttp')}"
        ),
        "load": "load average before the run: " + " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def cost_text(summaries: list[Summary]) -> str:
    """What one accepted application costs against one bare insert, from the closed loops."""
    runs: dict[str, list[Result]] = {REAL: [], BARE: []}
    for s in summaries:
        if not s.pace:
            runs[s.endpoint].extend(s.runs)
    if not runs[REAL] or not runs[BARE]:
        return ""

    def total(endpoint: str, who: tuple[str, ...]) -> float:
        return statistics.median(sum(r.cpu_ms(w) for w in who) for r in runs[endpoint])

    everyone = ("gunicorn", "postgres", "client")
    real, bare = total(REAL, everyone), total(BARE, everyone)
    server_real, server_bare = total(REAL, everyone[:2]), total(BARE, everyone[:2])
    cores = os.cpu_count() or 1
    return (
        f"Per answer (closed loops, medians) the real endpoint costs {real:.1f} ms of CPU "
        f"(server {server_real:.1f}, client {real - server_real:.1f}) against {bare:.1f} ms "
        f"for the bare one (server {server_bare:.1f}): bare ÷ real = {bare / real:.2f}, where "
        f"the rate ratio settles once the CPU is the limit. At these costs, with all "
        f"{cores} cores to itself, this machine would top out near "
        f"{cores * 1000 / real:.0f} applications/s with the client on board, "
        f"{cores * 1000 / server_real:.0f}/s with the client elsewhere."
    )


def report(
    args: argparse.Namespace,
    results: list[Result],
    check: Check,
    host: dict[str, str],
    started: dt.datetime,
) -> str:
    summaries = summarise(results, args)
    met, goal_lines = goal(summaries, results)
    server = f"gunicorn `{args.worker_class}`, {args.workers} workers"
    if args.worker_class == "gthread":
        server += f" × {args.threads} threads"
    ratio_text = "; ".join(
        f"{scenario_label(c, pace)}: {statistics.median(ratios(results, c, pace) or [0.0]):.2f} "
        f"(rounds: {', '.join(f'{x:.2f}' for x in ratios(results, c, pace))})"
        for c, pace in scenarios(args)
    )
    cost = cost_text(summaries)
    command = ".venv/bin/python bench/intake_load.py" + (
        " " + " ".join(args.argv) if args.argv else ""
    )
    out = [
        "## Intake through the API (gunicorn + PostgreSQL)",
        "",
        f"Command: `{command}` (or `make bench-intake`). Run {started:%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {host['cpu']}; {host['software']}; {host['load']}. Shared and noisy: "
        f"{args.rounds} rounds, interleaved; the table quotes medians, the rounds in brackets.",
        f"- Server: {server}{SYNC_NOTE if args.worker_class == 'sync' else ''}, "
        "`YACHAY_ENV=production`, DEBUG off, persistent DB connections "
        "(`DB_CONN_MAX_AGE=60`), API rate limit off (`YACHAY_RATELIMIT_API=0`), "
        "locmem email backend; the confirmation email is queued as a task after commit "
        "and no task worker runs during the bench (`bench/intake_profile.py` "
        "measures the worker's CPU per email).",
        f"- Load: an asyncio client (aiohttp) in a second process, on the same 2 cores (its "
        f"CPU share is in the table). Each scenario: {args.warmup:g} s warm-up, then "
        f"{args.duration:g} s measured; accepted/s counts 201 answers completed in the "
        "window; latencies are of every answer completed in the window. *closed*: every "
        "client sends its next request as soon as it has an answer, which measures capacity; "
        "its latency is clients ÷ rate (Little's law), so no closed loop of 200 clients has a "
        "p95 under 300 ms below ~670 answers/s. *@ N/s*: an open loop, requests due at N per "
        "second over at most that many connections, latency counted from when each was due; "
        "this is how the p95 part of the goal is read.",
        "- **real**: `POST /api/v1/calls/{slug}/applications`, Bearer key, each body a valid "
        "application with a unique DNI (valid phone, district ubigeo, RUC for business "
        "owners): key and call (read, then kept 5 s per process), form validation, the "
        "application, its audit row and its email's task row in one INSERT statement "
        "(`core.inserts`). **bare**: a plain Django view on the "
        "same stack (`bench/bare/`) that parses the same JSON and inserts one row: the ceiling.",
        "",
        *table_markdown(summaries),
        "",
        "CPU ms per answer: CPU time of gunicorn (master and workers), of PostgreSQL (the "
        "bench database's backends and the shared WAL writer, checkpointer...) and of the "
        "load client, divided by the answers in the window: the cost of one request, which "
        "noise from other work on the machine disturbs far less than the rates. Cores busy: "
        "ours (client + gunicorn + PostgreSQL) against the whole machine (`/proc/stat`); "
        "where the machine is busier than we are, other work was running.",
        "",
        f"Real/bare accepted/s, median of per-round ratios: {ratio_text}.",
        "",
        cost,
        "",
        f"Goal with {GOAL_CLIENTS} clients (≥ {GOAL_RATE:.0f} applications/s, p95 < "
        f"{GOAL_P95_MS:.0f} ms, ≥ half the bare rate): **{'met' if met else 'not met'}** — "
        + "; ".join(goal_lines)
        + ".",
        "",
        "Rows afterwards (zero lost, zero duplicated):",
        "",
        *(f"- {line}" for line in check.lines),
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def add_server_args(p: argparse.ArgumentParser, *, db_name: str, output: Path) -> None:
    """The options every gunicorn + PostgreSQL bench takes."""
    cores = os.cpu_count() or 2
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds")
    p.add_argument(
        "--worker-class",
        default="repo",
        choices=["repo", "sync", "gthread"],
        help="repo (default): gunicorn.conf.py, as make run serves; sync/gthread: plain "
        "gunicorn workers without the limiter and the pool (the server before issue #17)",
    )
    p.add_argument("--workers", type=int, default=2 * cores + 1, help="default: 2 × cores + 1")
    p.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    p.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="the PostgreSQL server's maintenance database (env BENCH_PG_URL)",
    )
    p.add_argument("--db-name", default=db_name, help="dropped and created each run")
    p.add_argument("--output", type=Path, default=output, help="Markdown file to write")
    p.add_argument("--seed", type=int, default=2027)


def parse_server_args(p: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse; refuse a database the bench would drop that is not one of its own."""
    args = p.parse_args(argv)
    if not args.db_name.startswith("yachay_bench"):
        p.error("--db-name must start with yachay_bench: the bench drops it")
    args.argv = argv
    return args


@dataclass
class BenchRun:
    """What :func:`run_bench` tears down: the gunicorn the body started, if any."""

    server: subprocess.Popen[bytes] | None = None


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_bench(args: argparse.Namespace, body: Callable[[BenchRun], int]) -> int:
    """Create the bench database, run ``body`` (its exit status is the bench's), and tear
    down whatever happens, on Ctrl-C and SIGTERM too: gunicorn stopped, connections closed,
    the database dropped."""
    signal.signal(signal.SIGTERM, _raise_interrupt)  # teardown on `kill` as on Ctrl-C
    run = BenchRun()
    created = False
    try:
        print(f"creating database {args.db_name}, migrating, preparing …", flush=True)
        created = True  # from here on, drop it whatever happens
        db_create(args.pg_url, args.db_name)
        return body(run)
    except KeyboardInterrupt:
        print("\ninterrupted; tearing down", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C must not cut the teardown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if run.server is not None:
            stop_gunicorn(run.server)
        if created:
            with suppress(Exception):
                from django.db import connections

                connections.close_all()
            db_drop(args.pg_url, args.db_name)
            print(f"dropped database {args.db_name}", file=sys.stderr)


def write_report(args: argparse.Namespace, text: str) -> None:
    """Print the report and write it where ``--output`` says."""
    print()
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"written to {shown}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    p.add_argument("--clients", type=int, nargs="+", default=[50, 200], help="concurrency levels")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per scenario")
    p.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per scenario")
    p.add_argument(
        "--paced-rate",
        type=float,
        default=GOAL_RATE,
        help="requests/s of the open-loop scenario (0: skip it)",
    )
    p.add_argument("--paced-clients", type=int, default=GOAL_CLIENTS, help="its connections")
    p.add_argument("--rounds", type=int, default=3, help="repeat every scenario, quote medians")
    p.add_argument("--pause", type=float, default=1.0, help="seconds between scenarios")
    p.add_argument("--max-requests", type=int, default=100_000, help="cap per scenario")
    add_server_args(p, db_name="yachay_bench", output=DEFAULT_DOC)
    args = parse_server_args(p, argv)
    if min(args.clients) < 1 or args.rounds < 1 or args.duration <= 0 or args.max_requests < 1:
        p.error("clients, rounds, duration and max-requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = dt.datetime.now(dt.UTC)
    host = machine(args.pg_url)
    env = bench_environment(with_dbname(args.pg_url, args.db_name))

    def body(run: BenchRun) -> int:
        django_setup(env)
        key, districts = prepare(seats=20_000)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        run.server = start_gunicorn(args, env, port)
        wait_ready(run.server, base_url)
        print(
            f"gunicorn ({args.worker_class}, {args.workers} workers, {args.threads} threads) "
            f"on {base_url}; {len(scenarios(args)) * 2 * args.rounds} scenarios of "
            f"{args.warmup:g} + {args.duration:g} s",
            flush=True,
        )
        payloads = Payloads(seed=args.seed, districts=districts)
        results, ledgers = asyncio.run(run_all(args, base_url, key, payloads, run.server.pid))
        stop_gunicorn(run.server)  # every request has been answered: count rows on a quiet DB
        check = check_rows(ledgers)
        write_report(args, report(args, results, check, host, started))
        return 0 if check.ok else 1

    return run_bench(args, body)


if __name__ == "__main__":
    sys.exit(main())
