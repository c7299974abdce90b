"""Issue N certificates (PDF + QR + signed credential + stored) the way production does, on
both cores: the ``issue_certificate`` task, run by two ``manage.py worker`` processes on
PostgreSQL; beside the bare PDF render of the same template on both cores, in the same run.

Run it from the repository root (``make bench-certificates``; ``BENCH_ARGS='--count 2000'``):

    .venv/bin/python bench/certificate_issue_bench.py                  # 20,000 certificates
    .venv/bin/python bench/certificate_issue_bench.py --count 2000     # a quicker look

It makes a fresh PostgreSQL database (``yachay_certperf`` unless ``--db``; dropped afterwards),
loads the demo with ``--count`` applicants, enrols each of them (a user, an enrollment marked
completed, one cohort), names two issuing organisations (one with a PNG logo), makes a signing
key, and enqueues ``--count`` ``issue_certificate`` tasks. Then, timed:

1. **bare** (baseline): ``render_certificate`` of the same template and data shape, nothing
   else (no database, no signing, no file), in ``--workers`` processes at once,
   ``--bare`` PDFs in all;
2. **issue**: ``--workers`` ``manage.py worker --batch`` processes drain the queue. Each task
   takes its enrollment, issues the certificate (one transaction: status-list index,
   eddsa-rdfc-2022 credential, row, audit event), renders its PDF and writes it to disk.

Reported: certificates per second (wall clock, workers started → all exited, and first task
started → last task finished), the ratio to the bare render, the workers' CPU per certificate
(what a free core would do, whatever the machine's load; PostgreSQL's own CPU not included),
each worker's RSS sampled at every tenth of the run (flat = no leak), the load average. Then it
checks: one certificate and one PDF per enrollment, distinct status positions, every task
succeeded, and a sample of credentials verifies (plain pyld, not the signer's fast path).
The table goes to ``bench/results/certificate_issue.md`` (copy it into docs/benchmarks.md).
Exit status 0 when the checks pass and the rate is at least ``--goal`` a second.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE = 100  # yachay.certificates.tasks.BATCH
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
sys.path.insert(0, str(ROOT))


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


def proc_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children_cpu() -> float:
    """CPU seconds of the child processes reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------------------------------
# The bare render, in worker processes (no Django)


def _bare_worker(args: tuple[int, int, int]) -> tuple[int, float]:
    start_index, count, seed = args
    from bench.certificate_pdf_bench import png_logo, varied_name
    from yachay.certificates.pdf import CertificateData, Issuer, render_certificate

    rng = random.Random(seed + start_index)
    logo = png_logo()
    import datetime
    from decimal import Decimal

    began = time.process_time()
    for i in range(start_index, start_index + count):
        pdf = render_certificate(
            CertificateData(
                learner_name=varied_name(rng),
                program="IA para MYPEs — Perú 2027",
                track="Fundamentos de IA aplicada",
                hours=Decimal(64),
                completion_date=datetime.date(2027, 6, 30),
                issuers=(
                    Issuer(name="Ministerio de la Producción", logo=logo),
                    Issuer(name="Programa Nacional Yachay"),
                ),
                verification_code=f"{i:04d}-BENC-H0",
                verification_url=f"http://127.0.0.1:8102/verificar/{i:04d}-BENC-H0/",
                courses=("Qué es la IA", "Prompts para tu negocio", "Datos y privacidad"),
                language="es",
            )
        )
        assert pdf.startswith(b"%PDF")
    return count, time.process_time() - began


def bare_render(total: int, workers: int, seed: int) -> tuple[float, float]:
    """PDFs per second (wall clock) over ``workers`` processes, and CPU ms per PDF."""
    share = [total // workers + (1 if w < total % workers else 0) for w in range(workers)]
    starts = [sum(share[:w]) for w in range(workers)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pool.map(_bare_worker, [(0, 3, seed)] * workers)  # warm: fonts, template, imports
        began = time.perf_counter()
        results = pool.map(_bare_worker, [(starts[w], share[w], seed) for w in range(workers)])
        wall = time.perf_counter() - began
    cpu = sum(r[1] for r in results)
    return total / wall, cpu / total * 1000


# ---------------------------------------------------------------------------------------------
# The set-up (in this process, Django)


def setup(count: int, single: int, var: Path) -> tuple[list[int], list[int]]:
    import datetime as dt

    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from bench.certificate_pdf_bench import png_logo, varied_name
    from yachay.accounts.models import Role, User
    from yachay.certificates.keys import create_key
    from yachay.certificates.models import Issuer
    from yachay.cohorts.models import Cohort, Enrollment
    from yachay.demo import applicants as demo
    from yachay.intake.models import Application
    from yachay.programs.models import Call

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    demo.demo_load(applicants=count + single, seed=2027)
    call = Call.objects.get(slug=demo.CALL_SLUG)
    track = call.program.tracks.order_by("order").first()
    assert track is not None
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        call=call,
        track=track,
        name="Virtual · bench",
        modality="virtual",
        slot="evening",
        capacity=count + single,
        starts_on=today - dt.timedelta(weeks=8),
        ends_on=today,
    )
    logo_issuer = Issuer(name="Ministerio de la Producción", order=1)
    logo_issuer.logo.save("ministerio.png", ContentFile(png_logo()), save=True)
    logo_issuer.programs.add(call.program)
    Issuer.objects.create(name="Programa Nacional Yachay", order=2).programs.add(call.program)
    create_key(var / "signing-keys")

    rng = random.Random(12)
    apps = list(Application.objects.filter(call=call).order_by("pk").values_list("pk", "email"))
    # Names as people write them (accents, ñ, apostrophes, up to 120 characters).
    for pk, _email in apps:
        name = varied_name(rng).split(" ")
        Application.objects.filter(pk=pk).update(
            given_names=name[0][:80], paternal_surname=" ".join(name[1:])[:80] or "Quispe"
        )
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"bench-{pk}", email=f"bench-{pk}@example.pe", role=Role.LEARNER)
                for pk, _email in apps
            ],
            batch_size=2000,
        )
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    application_id=pk,
                    user=user,
                    cohort=cohort,
                    status=Enrollment.Status.COMPLETED,
                    status_changed_at=now,
                )
                for (pk, _email), user in zip(apps, users, strict=True)
            ],
            batch_size=2000,
        )
    ids = list(Enrollment.objects.filter(cohort=cohort).order_by("pk").values_list("pk", flat=True))
    DBTaskResult.objects.all().delete()
    return ids[:count], ids[count:]


# ---------------------------------------------------------------------------------------------


def profile(count: int) -> int:
    """The worker's loop over ``count`` tasks, in this process, under cProfile."""
    import cProfile
    import pstats

    from yachay.core.management.commands.worker import Worker

    worker = Worker(
        stale_after=__import__("datetime").timedelta(minutes=10),
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="profile",
        excluded_queue_names=[],
    )
    worker.step()  # warm
    began = time.perf_counter()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        worker.step()
    profiler.disable()
    print(f"{(time.perf_counter() - began) / count * 1000:.1f} ms per task (profiled)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="certificates (20,000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--bare", type=int, default=0, help="bare PDFs (default: count / 4)")
    parser.add_argument("--goal", type=float, default=100.0, help="certificates a second")
    parser.add_argument(
        "--single", type=int, default=1000, help="also: certificates by one task each (1000)"
    )
    parser.add_argument("--db", default="yachay_certperf")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument(
        "--profile", type=int, default=0, help="profile N tasks in this process instead"
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "certificate_issue.md"
    )
    args = parser.parse_args()
    bare_total = args.bare or max(args.count // 4, 200)

    var = ROOT / "bench" / "results" / "certificate-issue-var"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = {
        "DATABASE_URL": f"{PG}/{args.db}",
        "DJANGO_SETTINGS_MODULE": "yachay.settings",
        "YACHAY_VAR_DIR": str(var),
        "YACHAY_MEDIA_ROOT": str(var / "media"),
        "YACHAY_SIGNING_KEYS_DIR": str(var / "signing-keys"),
        "YACHAY_CERTIFICATE_PDF_DIR": str(var / "pdfs"),
        "YACHAY_SITE_URL": "http://127.0.0.1:8102",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    os.environ.update(env)
    psql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
    psql(f"CREATE DATABASE {args.db}")
    try:
        return run(args, bare_total, var)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
            shutil.rmtree(var, ignore_errors=True)


@dataclass
class Drain:
    certificates: int
    wall_s: float
    task_s: float  # first task started -> last task finished
    cpu_s: float  # the workers' CPU, start-up excluded
    samples: list[tuple[int, list[float]]]  # (certificates done, RSS MB of each worker)
    statuses: dict[str, int]

    @property
    def rate(self) -> float:
        return self.certificates / self.wall_s

    @property
    def task_rate(self) -> float:
        return self.certificates / self.task_s if self.task_s else 0.0


def drain(workers: int, expected: int, task_path: str, var: Path, startup_cpu: float) -> Drain:
    """Start ``workers`` ``manage.py worker --batch`` and wait until they exit (queue empty)."""
    from django.db import connection
    from django.db.models import Count, Max, Min
    from django_tasks_db.models import DBTaskResult

    from yachay.certificates.models import Certificate

    before = Certificate.objects.count()
    connection.close()
    log = open(var / "workers.log", "a")  # noqa: SIM115
    cpu_before = children_cpu()
    began = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--batch", "--interval", "0.1"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(workers)
    ]
    samples: list[tuple[int, list[float]]] = []
    next_tenth = 0
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(0.5)
            done = Certificate.objects.count() - before
            connection.close()
            if done >= next_tenth * expected / 10:
                samples.append((done, [proc_rss_mb(p.pid) or 0.0 for p in procs]))
                next_tenth = int(done * 10 / expected) + 1
    except KeyboardInterrupt:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        raise
    wall = time.perf_counter() - began
    log.close()
    cpu = max(children_cpu() - cpu_before - startup_cpu * workers, 0.0)
    tasks = DBTaskResult.objects.filter(task_path=task_path)
    statuses = dict(tasks.values_list("status").annotate(n=Count("id")))
    span = tasks.aggregate(first=Min("started_at"), last=Max("finished_at"))
    issued = Certificate.objects.count() - before
    return Drain(
        certificates=issued,
        wall_s=wall,
        task_s=(span["last"] - span["first"]).total_seconds(),
        cpu_s=cpu,
        samples=samples,
        statuses=statuses,
    )


def worker_startup_cpu() -> float:
    """CPU seconds of a worker that starts, finds no task and exits (Django's start-up)."""
    before = children_cpu()
    subprocess.run(
        [sys.executable, "manage.py", "worker", "--batch", "--interval", "0"],
        cwd=ROOT,
        capture_output=True,
    )
    return children_cpu() - before


def run(args: argparse.Namespace, bare_total: int, var: Path) -> int:
    t = time.perf_counter()
    bulk_ids, single_ids = setup(args.count, args.single, var)
    setup_s = time.perf_counter() - t
    from django.db import connection

    from yachay.certificates import credential as vc
    from yachay.certificates.issuer import site_did_document
    from yachay.certificates.models import Certificate, StatusList
    from yachay.certificates.services import signed_status_list, status_list_url
    from yachay.certificates.tasks import issue_certificate, issue_certificates_enqueue

    print(f"set-up: {args.count + args.single:,} completed enrollments, {setup_s:.0f} s")
    if args.profile:
        issue_certificates_enqueue(bulk_ids)
        return profile(args.profile)
    load_before = os.getloadavg()
    startup_cpu = worker_startup_cpu()

    bare_rate, bare_cpu_ms = bare_render(bare_total, args.workers, seed=7)
    print(f"bare: {bare_rate:.0f} PDFs/s on {args.workers} processes, {bare_cpu_ms:.1f} ms CPU")

    single = None
    if single_ids:
        for pk in single_ids:
            issue_certificate.enqueue(enrollment_id=pk)
        connection.close()
        single = drain(
            args.workers, len(single_ids), issue_certificate.module_path, var, startup_cpu
        )
        print(f"one task per certificate: {single.rate:.0f}/s")

    tasks = issue_certificates_enqueue(bulk_ids)
    connection.close()
    bulk = drain(
        args.workers,
        len(bulk_ids),
        "yachay.certificates.tasks.issue_certificates",
        var,
        startup_cpu,
    )
    print(f"bulk: {bulk.rate:.0f}/s")
    load_after = os.getloadavg()

    issued = Certificate.objects.count()
    expected = args.count + args.single
    positions = Certificate.objects.values("status_list", "status_index").distinct().count()
    pdf_files = list((var / "pdfs").rglob("*.pdf"))
    pdf_mb = sum(p.stat().st_size for p in pdf_files) / 2**20
    sample = list(Certificate.objects.order_by("?")[:20])
    lists = {status_list_url(s.slug): signed_status_list(s) for s in StatusList.objects.all()}
    did = site_did_document()
    verified = sum(
        vc.verify_credential(c.credential, did_documents={did["id"]: did}, status_lists=lists).ok
        for c in sample
    )
    ok = (
        issued == expected
        and positions == expected
        and len(pdf_files) == expected
        and bulk.statuses.get("SUCCESSFUL", 0) == tasks
        and (single is None or single.statuses.get("SUCCESSFUL", 0) == len(single_ids))
        and verified == len(sample)
    )

    def row(label: str, d: Drain) -> str:
        return (
            f"| {label} | {d.rate:.0f} | {d.rate / bare_rate:.2f} | {d.task_rate:.0f} "
            f"| {d.cpu_s / max(d.certificates, 1) * 1000:.1f} |"
        )

    rss = "\n".join(
        f"| {done:,} | " + " | ".join(f"{mb:.0f}" for mb in mbs) + " |"
        for done, mbs in bulk.samples
    )
    first = bulk.samples[1][1] if len(bulk.samples) > 1 else bulk.samples[0][1]
    growth = max(b - a for a, b in zip(first, bulk.samples[-1][1], strict=True))
    command = f".venv/bin/python bench/certificate_issue_bench.py --count {args.count}"
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    rows = [
        f"| bare PDF render of the same template, {args.workers} processes "
        f"({bare_total:,} PDFs) | {bare_rate:.0f} | 1.00 | | {bare_cpu_ms:.1f} |",
        row(
            f"**bulk**: `issue_certificates` tasks of {BATCH_SIZE} ({args.count:,} certificates)",
            bulk,
        ),
    ]
    if single is not None:
        rows.append(
            row(f"one `issue_certificate` task each ({args.single:,} certificates)", single)
        )
    table = "\n".join(rows)
    header = " | ".join(f"worker {i + 1}" for i in range(args.workers))
    text = f"""## Issuing {args.count:,} certificates on {args.workers} workers (PostgreSQL)

Command: `{command}` (`make bench-certificates`). Run {when} UTC on a shared
{os.cpu_count()}-core machine, load average {load_before[0]:.1f} before and
{load_after[0]:.1f} after (other sessions were running: absolute rates are what was left of
the cores; the ratios and the CPU per certificate are the figures to compare).

Each certificate: the enrollment read, a status-list position, the OpenBadgeCredential signed
(eddsa-rdfc-2022), the row and its audit event written, the PDF (Typst, QR) rendered and
written to disk — by {args.workers} `manage.py worker` processes (`--batch`, exit when the queue
is empty). Wall clock = workers started → all exited (Django start-up included).

| | certificates/s (wall) | × bare | certificates/s (first task → last) | worker CPU ms / certificate |
|---|---:|---:|---:|---:|
{table}

- {args.count:,} in {bulk.wall_s:.0f} s by the bulk path: goal {args.goal:.0f}/s (20,000 in
  5 minutes) **{"met" if bulk.rate >= args.goal else "NOT met"}** on this machine at this load.
- Checks: {issued:,} certificates for {expected:,} enrollments, {positions:,} distinct status
  positions, {len(pdf_files):,} PDFs on disk ({pdf_mb:.0f} MB, {pdf_mb * 1024 / max(len(pdf_files), 1):.0f} KB each),
  bulk tasks {bulk.statuses}, {verified}/{len(sample)} sampled credentials verify (plain pyld).
- Worker CPU excludes PostgreSQL (same machine) and each worker's start-up ({startup_cpu:.1f} s).

RSS of each worker during the bulk run, MB (flat = no leak; growth after the first tenth
{growth:+.0f} MB):

| certificates done | {header} |
|---:|{"---:|" * args.workers}
{rss}
"""
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)
    if not ok:
        print("CHECKS FAILED; the workers' log:")
        print((var / "workers.log").read_text()[-4000:])
    return 0 if ok and bulk.rate >= args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
