"""Any table as a download: CSV or XLSX, streamed, with one audit row per export.

A table is a header and an iterator of rows (a queryset's ``.values_list(...).iterator()``,
a generator over a selector's aggregates): neither format holds the whole table in memory,
so exporting 1,000,000 rows keeps the server's memory flat (``bench/export_bench.py``).

* **CSV** (:func:`csv_response`): UTF-8 with a byte-order mark (so Excel on Windows reads
  Ñ and tildes), every field quoted, streamed in ~64 KB chunks as rows are read.
* **XLSX** (:func:`xlsx_response`): xlsxwriter in ``constant_memory`` mode (each row is
  flushed to a temporary file as soon as it is written), the workbook assembled into an
  anonymous temporary file, which is then streamed and vanishes when the answer is closed.

**Formula injection** (OWASP "CSV Injection"): a spreadsheet runs a cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula, so a name typed by an
applicant (``=HYPERLINK(...)``) could run on a staff member's computer. :func:`csv_cell`
prefixes such a text cell with a single quote, as OWASP recommends, and every field is
quoted. Numbers are written as numbers (``-3`` stays ``-3``): only text is guarded. In the
XLSX every text is written as a typed string cell (``strings_to_formulas`` off) that no
spreadsheet evaluates; it gets the same prefix anyway, so that a copy saved as CSV from
Excel carries no formula either and both files read alike.

**Audit**: each export writes one ``core.AuditEvent`` (``export.csv`` / ``export.xlsx``)
through :func:`yachay.core.services.export_record`: who, what (the table's name), the
filters, and how many rows were sent. The CSV's row is written when its stream ends
(completely, or cut short by the client: ``complete`` says which); the XLSX's once the
workbook is built, before its first byte is sent.

Exports may hold personal data: every answer is ``Cache-Control: no-store``. Who may export
which table is the calling view's business (roles and scopes); this module only writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from yachay.core.actors import Actor
from yachay.core.caching import no_store
from yachay.core.services import export_record

# A cell is text, a number, a bool, a date, a time or None (anything else is written as its
# text); a row is any sequence of them (a tuple from ``values_list`` does).
Cell = Any
Row = Sequence[Cell]

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"

# OWASP: a cell beginning with one of these is read as a formula (tab and CR included).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Bytes gathered before a CSV chunk is sent: few enough writes, little memory.
CSV_CHUNK_BYTES = 64 * 1024
# XLSX's own limits: 1,048,576 rows a sheet (header included), 32,767 characters a cell.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL_CHARS = 32_767
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ExportTooLarge(ValueError):
    """More rows than one XLSX sheet holds: the caller offers the CSV instead."""


def csv_cell(value: Cell) -> str:
    """One value as CSV text, with text that a spreadsheet would run as a formula defused.

    >>> csv_cell("=1+1"), csv_cell("-3"), csv_cell(-3), csv_cell("Ñuñoa"), csv_cell(None)
    ("'=1+1", "'-3", '-3', 'Ñuñoa', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return guard_formula(str(value))


def guard_formula(text: str) -> str:
    """``text`` with a leading single quote when it begins like a formula (OWASP)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _Buffer:
    """A write-only file for ``csv.writer`` that hands its text back on demand."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        self.size = 0
        return data


def csv_chunks(
    header: Sequence[str], rows: Iterable[Row], *, counter: list[int] | None = None
) -> Iterator[bytes]:
    """The CSV file as byte chunks: BOM and header first, then rows as they are read.

    ``counter[0]``, when given, holds the number of data rows yielded so far (for the audit
    of a stream the client may cut short)."""
    buffer = _Buffer()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([csv_cell(name) for name in header])
    written = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        written += 1
        if buffer.size >= CSV_CHUNK_BYTES:
            if counter is not None:
                counter[0] = written
            yield buffer.take()
    if counter is not None:
        counter[0] = written
    yield buffer.take()


def xlsx_write(
    target: str | IO[bytes],
    header: Sequence[str],
    rows: Iterable[Row],
    *,
    sheet: str = "Datos",
    tmpdir: str | None = None,
) -> int:
    """Write the table as an XLSX workbook into ``target`` (a path or a binary file);
    return the number of data rows. Raise :class:`ExportTooLarge` past one sheet's rows.

    ``constant_memory``: xlsxwriter keeps one row in memory and flushes it to a temporary
    file in ``tmpdir`` before the next, so memory does not grow with the table."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "tmpdir": tmpdir,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    try:
        worksheet = workbook.add_worksheet(_sheet_name(sheet))
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, name in enumerate(header):
            worksheet.write_string(0, col, _xlsx_text(str(name)), bold)
        count = 0
        for count, row in enumerate(rows, start=1):
            if count >= XLSX_MAX_ROWS:
                raise ExportTooLarge(count)
            for col, value in enumerate(row):
                _xlsx_cell(worksheet, count, col, value, day, moment)
        return count
    finally:
        workbook.close()


def _xlsx_cell(ws: Any, row: int, col: int, value: Cell, day: Any, moment: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value))
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, _local(value), moment)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, value, day)
    else:
        ws.write_string(row, col, _xlsx_text(str(value)))


def _xlsx_text(text: str) -> str:
    return guard_formula(text)[:XLSX_MAX_CELL_CHARS]


def _sheet_name(name: str) -> str:
    # Excel refuses []:*?/\ in a sheet's name and more than 31 characters.
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip() or "Datos"
    return cleaned[:31]


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def export_filename(name: str, fmt: str, *, today: dt.date | None = None) -> str:
    """``funnel-by-department-2027-03-01.csv``: ASCII (tildes dropped: Ñandú → Nandu), safe
    in any header or file system."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = _SAFE_NAME.sub("-", ascii_name).strip("-.") or "export"
    day = (today or timezone.localdate()).isoformat()
    return f"{stem[:80]}-{day}.{fmt}"


def csv_response(
    *,
    name: str,
    header: Sequence[str],
    rows: Iterable[Row],
    actor: Actor,
    filters: Mapping[str, Any] | None = None,
) -> StreamingHttpResponse:
    """A streamed CSV download of the table; audited when the stream ends."""
    counter = [0]
    filters = dict(filters or {})

    def stream() -> Iterator[bytes]:
        complete = False
        try:
            yield from csv_chunks(header, rows, counter=counter)
            complete = True
        finally:
            export_record(
                actor=actor,
                what=name,
                fmt="csv",
                filters=filters,
                rows=counter[0],
                complete=complete,
            )

    response = StreamingHttpResponse(stream(), content_type=CSV_CONTENT_TYPE)
    _attachment(response, export_filename(name, "csv"))
    return response


def xlsx_response(
    *,
    name: str,
    header: Sequence[str],
    rows: Iterable[Row],
    actor: Actor,
    filters: Mapping[str, Any] | None = None,
    sheet: str = "Datos",
) -> FileResponse:
    """An XLSX download of the table, built in constant memory into an anonymous temporary
    file (unlinked at once: it vanishes when the answer is closed) and streamed from it."""
    tmpdir = settings.YACHAY_EXPORT_TMPDIR or None
    handle = tempfile.TemporaryFile(dir=tmpdir)  # noqa: SIM115 (FileResponse closes it)
    try:
        count = xlsx_write(handle, header, rows, sheet=sheet, tmpdir=tmpdir)
    except BaseException:
        handle.close()
        raise
    export_record(
        actor=actor, what=name, fmt="xlsx", filters=dict(filters or {}), rows=count, complete=True
    )
    size = handle.tell()
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(name, "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Length"] = str(size)
    no_store(response)
    return response


def export_response(
    fmt: str,
    *,
    name: str,
    header: Sequence[str],
    rows: Iterable[Row],
    actor: Actor,
    filters: Mapping[str, Any] | None = None,
) -> StreamingHttpResponse | FileResponse:
    """The download in ``fmt`` (one of :data:`FORMATS`; anything else is a ``ValueError``,
    which a view turns into a 400 in words before calling)."""
    if fmt == "csv":
        return csv_response(name=name, header=header, rows=rows, actor=actor, filters=filters)
    if fmt == "xlsx":
        return xlsx_response(name=name, header=header, rows=rows, actor=actor, filters=filters)
    raise ValueError(f"Unknown export format {fmt!r}; expected one of {FORMATS}.")


def _attachment(response: StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    no_store(response)


__all__ = [
    "BOM",
    "CSV_CONTENT_TYPE",
    "FORMATS",
    "FORMULA_TRIGGERS",
    "XLSX_CONTENT_TYPE",
    "ExportTooLarge",
    "csv_cell",
    "csv_chunks",
    "csv_response",
    "export_filename",
    "export_response",
    "guard_formula",
    "xlsx_response",
    "xlsx_write",
]
