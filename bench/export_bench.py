"""Export benchmark: peak memory of a 1,000,000-row download, streamed vs built in memory.

Run it from the repository root:

    .venv/bin/python bench/export_bench.py                 # or: make bench-export
    .venv/bin/python bench/export_bench.py --rows 1000000 100000 --rounds 3

What it measures: for each way of answering and each table size, a fresh Python process
(Django set up, one SQLite database for the audit rows) builds the answer for a generated
table of learners (name with tildes and Quechua names, DNI-like reference, department,
gender, dates, score; 8 columns, about 110 bytes a row in CSV) and reads the whole body, as
a WSGI server would, into nothing. It records the process's peak resident memory
(``ru_maxrss``) minus its resident memory just before the answer was built, and the time.

* **csv-stream**: ``core.exports.csv_response`` (the project's): rows read one at a time,
  encoded in 64 KB chunks.
* **csv-naive**: the baseline most Django code does: ``csv.writer`` into an ``HttpResponse``
  (the whole file in memory before the first byte is sent).
* **xlsx-stream**: ``core.exports.xlsx_response``: xlsxwriter ``constant_memory``, built in an
  anonymous temporary file, streamed from it.
* **xlsx-naive**: xlsxwriter's default mode into a ``BytesIO`` (every cell in memory until
  the workbook is closed), answered as one ``HttpResponse``.

"Flat" means the streamed answers' peak does not grow with the rows: the table quotes the
peak at each size and the ratio of the largest size to the smallest. Medians of ``--rounds``
runs. The result goes to ``bench/results/export.md`` (copy it into docs/benchmarks.md).
Exit status 0 when every streamed answer's peak at the largest size is within 1.5x of its
peak at the smallest size plus 20 MB (a generous blow-up guard, not a timing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "export.md"
MODES = ("csv-stream", "csv-naive", "xlsx-stream", "xlsx-naive")
HEADER = [
    "Nombre",
    "Referencia",
    "Departamento",
    "Género",
    "Nacimiento",
    "Matrícula",
    "Puntaje",
    "Completó",
]
FIRST = ["Ñusta", "Túpac", "Sumaq", "José Ángel", "Killa", "Rosa", "Wayra", "Inés", "Amaru"]
LAST = ["Quispe", "Mamani", "Huamán", "Ccori", "Condori", "Peña", "Chávez", "Yupanqui"]
DEPARTMENTS = ["Cusco", "Áncash", "Apurímac", "Puno", "Lima Metropolitana", "Junín", "Piura"]


def rows(count: int) -> Iterator[tuple[object, ...]]:
    import datetime as dt

    start = dt.date(1970, 1, 1)
    enrolled = dt.datetime(2027, 1, 15, 14, 30, tzinfo=dt.UTC)
    for i in range(count):
        yield (
            f"{FIRST[i % 9]} {LAST[i % 8]} {LAST[(i // 8) % 8]}",
            f"YCH-{i:08d}",
            DEPARTMENTS[i % 7],
            "F" if i % 2 else "M",
            start + dt.timedelta(days=i % 15000),
            enrolled,
            (i * 37) % 2001 / 100,
            i % 3 == 0,
        )


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker(mode: str, count: int) -> dict[str, float]:
    """Build and read one answer in this process; print what it cost."""
    import django

    django.setup()
    import csv
    import io

    import xlsxwriter
    from django.http import HttpResponse

    from yachay.core.actors import SYSTEM
    from yachay.core.exports import csv_cell, csv_response, xlsx_response

    # Warm up what every mode uses (imports, the database connection) before measuring.
    csv_response(name="warm", header=HEADER, rows=rows(10), actor=SYSTEM)
    before = _rss_kb()
    started = time.perf_counter()
    size = 0
    if mode == "csv-stream":
        answer = csv_response(name="learners", header=HEADER, rows=rows(count), actor=SYSTEM)
        for chunk in answer.streaming_content:
            size += len(chunk)  # type: ignore[arg-type]
        answer.close()
    elif mode == "xlsx-stream":
        answer = xlsx_response(name="learners", header=HEADER, rows=rows(count), actor=SYSTEM)
        for chunk in answer.streaming_content:
            size += len(chunk)  # type: ignore[arg-type]
        answer.close()
    elif mode == "csv-naive":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(HEADER)
        for row in rows(count):
            writer.writerow([csv_cell(value) for value in row])
        size = len(response.content)
    elif mode == "xlsx-naive":
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"remove_timezone": True})
        sheet = book.add_worksheet("Datos")
        sheet.write_row(0, 0, HEADER)
        for r, row in enumerate(rows(count), start=1):
            sheet.write_row(r, 0, row)
        book.close()
        response = HttpResponse(buffer.getvalue())
        size = len(response.content)
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    return {"peak_mb": (peak - before) / 1024, "seconds": seconds, "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return 0

    sizes = sorted(args.rows)
    with tempfile.TemporaryDirectory(prefix="yachay-export-bench-") as var:
        env = {
            **os.environ,
            "YACHAY_VAR_DIR": var,
            "YACHAY_EXPORT_TMPDIR": var,
            "DJANGO_SETTINGS_MODULE": "yachay.settings",
        }
        env.pop("DATABASE_URL", None)  # the audit rows go to a scratch SQLite file
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        for round_ in range(args.rounds):
            for count in sizes:
                for mode in args.modes:
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", mode, str(count)],
                        cwd=ROOT,
                        env=env,
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    results.setdefault((mode, count), []).append(result)
                    print(
                        f"round {round_ + 1} {mode:12} {count:>9,} rows: "
                        f"peak +{result['peak_mb']:7.1f} MB, {result['seconds']:6.1f} s, "
                        f"{result['bytes'] / 1e6:6.1f} MB out",
                        flush=True,
                    )

    def median(mode: str, count: int, key: str) -> float:
        return statistics.median(r[key] for r in results[(mode, count)])

    lines = [
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"medians of {args.rounds} runs, each in a fresh process; peak resident memory above "
        "the process's memory before the answer was built.",
        "",
        "| answer | " + " | ".join(f"{n:,} rows: peak MB / s / MB out" for n in sizes) + " |",
        "| --- | " + " | ".join("---" for _ in sizes) + " |",
    ]
    for mode in args.modes:
        cells = [
            f"{median(mode, n, 'peak_mb'):.1f} / {median(mode, n, 'seconds'):.1f} / "
            f"{median(mode, n, 'bytes') / 1e6:.1f}"
            for n in sizes
        ]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    ok = True
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        lines.append("")
        for mode in args.modes:
            a, b = median(mode, small, "peak_mb"), median(mode, large, "peak_mb")
            lines.append(
                f"- {mode}: peak at {large:,} rows / peak at {small:,} rows = "
                f"{b / max(a, 0.1):.1f}x"
            )
            if mode.endswith("stream") and b > 1.5 * a + 20:
                ok = False
        for fmt in ("csv", "xlsx"):
            stream, naive = f"{fmt}-stream", f"{fmt}-naive"
            if stream in args.modes and naive in args.modes:
                lines.append(
                    f"- {fmt} at {large:,} rows: naive peak / streamed peak = "
                    f"{median(naive, large, 'peak_mb') / max(median(stream, large, 'peak_mb'), 0.1):.0f}x"
                )
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
