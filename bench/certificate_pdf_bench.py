"""Certificate PDF benchmark: ``render_certificate`` N times in one process, beside bare Typst.

Run it from the repository root:

    .venv/bin/python bench/certificate_pdf_bench.py              # or: make bench-certificate-pdf
    .venv/bin/python bench/certificate_pdf_bench.py --count 20000

No Django, no database: the renderer is pure (data in, PDF bytes out). In one process:

1. **baseline**: a bare ``typst.Compiler.compile`` of a one-line document (same engine, same
   embedded fonts, system fonts ignored, PDF/A-2b), ``--count`` times;
2. **certificate**: ``render_certificate`` of ``--count`` certificates with varied names
   (seeded: accents, ñ, apostrophes, hyphens, from 2 to 120 characters), two issuers (one
   with a PNG logo), three courses; each timed end to end (validation of the data, QR code,
   JSON, Typst compile, PDF/A export).

It reports per-PDF median and p95 (wall clock), PDFs per second (one process: the loop is
sequential), the CPU time per PDF (what a free core would do, whatever the machine's load),
the ratio to the baseline, peak RSS (``ru_maxrss``) and the RSS after each tenth of the run (flat
means no leak). The table goes to ``bench/results/certificate_pdf.md`` (copy it into
docs/benchmarks.md). Exit status 0 when every PDF is a PDF and the same data rendered again
gives the same bytes.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import segno  # noqa: E402
import typst  # noqa: E402

from yachay.certificates.pdf import (  # noqa: E402
    PDF_STANDARD,
    CertificateData,
    Issuer,
    render_certificate,
)

DEFAULT_OUTPUT = ROOT / "bench" / "results" / "certificate_pdf.md"

FIRST = [
    "José",
    "María",
    "Ana",
    "Lucía",
    "Ñusta",
    "Ángel",
    "Inés",
    "Raúl",
    "Túpac",
    "Rosa",
    "Yupanqui",
    "Sofía",
    "Martín",
    "Valeria",
    "Nicolás",
    "Zoe",
    "Ximena",
    "Iñigo",
    "Dánae",
    "Juan",
    "Pablo",
    "Amaru",
    "Killa",
    "Chaska",
    "Wayra",
    "Renée",
    "Noémi",
]
LAST = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Condori",
    "Ñahuincopa",
    "O'Donnell",
    "Castañeda",
    "Gutiérrez",
    "Flores",
    "Rojas",
    "Chávez",
    "Sánchez",
    "D'Alessandro",
    "Villanueva-Pérez",
    "Ccori",
    "Apaza",
    "Yupanqui",
    "Núñez",
    "Cáceres",
    "Aliaga",
    "de-la-Cruz",
    "Saavedra",
    "Zúñiga",
    "Llerena",
    "Ticona",
]
JOINERS = ("de", "del", "de la", "y")


def varied_name(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        return rng.choice(("Li", "Ana", "Zoe", "Ñu"))  # very short
    parts = [rng.choice(FIRST) for _ in range(rng.randint(1, 3))]
    parts += [rng.choice(LAST) for _ in range(rng.randint(1, 3))]
    if kind > 0.9:  # very long: up to 120 characters
        while len(" ".join(parts)) < 110:
            parts += [rng.choice(JOINERS), rng.choice(LAST)]
    return " ".join(parts)[:120].strip()


def png_logo() -> bytes:
    out = io.BytesIO()
    segno.make("Programa Yachay").save(out, kind="png", scale=8)
    return out.getvalue()


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="certificates (2000)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    logo = png_logo()
    issuers = (Issuer("Ministerio de la Producción", logo), Issuer("Universidad Nacional"))
    start_date = datetime.date(2026, 1, 1)

    def data(i: int) -> CertificateData:
        code = "".join(rng.choice("ABCDEFGHJKMNPQRSTVWXYZ23456789") for _ in range(10))
        code = f"{code[:4]}-{code[4:8]}-{code[8:]}"
        return CertificateData(
            learner_name=varied_name(rng),
            program="Yachay: inteligencia artificial para emprendedores",
            track=rng.choice(("Negocios digitales", "Ventas y marketing", "Datos")),
            hours=Decimal(rng.choice(("40", "40.5", "24", "120"))),
            completion_date=start_date + datetime.timedelta(days=i % 330),
            issuers=issuers,
            verification_code=code,
            verification_url=f"https://yachay.example.pe/verificar/{code}/",
            courses=("IA en tu negocio", "Ventas por WhatsApp", "Datos y privacidad"),
        )

    # 1. baseline: bare Typst, a one-line document, same engine settings.
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.typ"
        # One line that changes every time (Typst memoises an unchanged compile).
        bare.write_text("Certificado de prueba #sys.inputs.n.\n")
        compiler = typst.Compiler(
            str(bare),
            font_paths=typst.Fonts(include_system_fonts=False),
            ignore_system_fonts=True,
        )
        stamp = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
        options = {"format": "pdf", "pdf_standards": [PDF_STANDARD], "timestamp": stamp}
        compiler.compile(sys_inputs={"n": "0"}, **options)  # warm: fonts
        base_times = []
        base_cpu = time.process_time()
        for n in range(args.count):
            t0 = time.perf_counter()
            compiler.compile(sys_inputs={"n": str(n)}, **options)
            base_times.append(time.perf_counter() - t0)
        base_cpu = time.process_time() - base_cpu

    # 2. certificates, each end to end from the dataclass.
    first = data(0)
    reference = render_certificate(first)  # warm: loads fonts, parses the template
    ok = render_certificate(first) == reference
    rss_start = rss_mb()
    rss_marks: list[float] = []
    times: list[float] = []
    sizes: list[int] = []
    long_names = 0
    t_all = time.perf_counter()
    cpu = time.process_time()
    for i in range(args.count):
        item = data(i + 1)
        long_names += len(item.learner_name) > 80
        t0 = time.perf_counter()
        document = render_certificate(item)
        times.append(time.perf_counter() - t0)
        sizes.append(len(document))
        ok = ok and document.startswith(b"%PDF-")
        if (i + 1) % max(1, args.count // 10) == 0:
            rss_marks.append(rss_mb())
    wall = time.perf_counter() - t_all
    cpu = time.process_time() - cpu
    ok = ok and render_certificate(first) == reference
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def ms(values: list[float], fraction: float | None = None) -> str:
        if fraction is None:
            return f"{statistics.median(values) * 1000:.1f} ms"
        return f"{percentile(values, fraction) * 1000:.1f} ms"

    rate = args.count / wall
    base_rate = args.count / sum(base_times)
    load = os.getloadavg()[0]
    lines = [
        f"Command: `.venv/bin/python bench/certificate_pdf_bench.py --count {args.count}` "
        f"(`make bench-certificate-pdf`). Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}"
        f" UTC on {os.cpu_count()} CPUs (load average {load:.1f} at the end), "
        f"Python {platform.python_version()}, typst (PyPI) {version('typst')}.",
        "",
        "| step | median | p95 | PDFs/s (wall, one process) | CPU per PDF | PDFs per CPU second "
        "| ratio to baseline (median) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| baseline: bare Typst compile, one-line document, PDF/A-2b | **{ms(base_times)}** "
        f"| {ms(base_times, 0.95)} | {base_rate:.0f} | {base_cpu / args.count * 1000:.1f} ms "
        f"| {args.count / base_cpu:.0f} | 1.00 |",
        f"| `render_certificate` (validate, QR, JSON, Typst, PDF/A-2b) | **{ms(times)}** "
        f"| {ms(times, 0.95)} | {rate:.0f} | {cpu / args.count * 1000:.1f} ms "
        f"| {args.count / cpu:.0f} | "
        f"{statistics.median(times) / statistics.median(base_times):.1f} |",
        "",
        f"{args.count} certificates, {long_names} with names over 80 characters; PDF size median "
        f"{statistics.median(sizes) / 1024:.0f} KB. RSS after warm-up {rss_start:.0f} MiB; "
        f"after each tenth: {', '.join(f'{m:.0f}' for m in rss_marks)} MiB; "
        f"peak (ru_maxrss) {peak_mb:.0f} MiB.",
        f"Same data, same bytes (first certificate before and after the run): "
        f"**{'ok' if ok else 'FAILED'}**.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
