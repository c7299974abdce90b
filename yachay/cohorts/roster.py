"""The offline attendance roster: a CSV to download before a session, validated on upload.

Pure and free of Django: the caller loads the cohort's learners, calls :func:`roster_csv`
for the download, calls :func:`parse_roster` on the upload, and records the attendance --
all of it in one transaction -- only when :attr:`RosterParse.errors` is empty. Nothing is
half-applied because nothing is applied here.

Messages are codes with parameters (:class:`RowIssue`); :data:`MESSAGES` holds an English
template per code, so the caller writes ``_(MESSAGES[e.code]) % e.params`` in the user's
language. The templates are marked with a local identity function named ``gettext_noop``,
which is enough for ``makemessages`` (xgettext matches the name) to extract them.

The file
========

Columns, in this order, with Spanish headers (the instructors are Peruvian): ``dni``,
``apellidos``, ``nombres``, ``estado``, ``nota``. ``estado`` is pre-filled with the
learner's current status when known (as a Spanish label, see :data:`DEFAULT_LABELS`).

Encoding: UTF-8 **with a BOM**. Without the BOM, Excel for Windows reads a CSV in the
machine's ANSI code page (cp1252) and shows "PeÃ±a" for "Peña"; with it, Excel, LibreOffice
and Google Sheets all read UTF-8.

Delimiter: ``,`` by default. Excel splits a double-clicked ``.csv`` on the *list separator*
of Windows' regional settings, and there is no marker it honours together with the BOM
(a ``sep=`` first line makes Excel ignore the BOM). Peru writes numbers with a decimal
point (S/ 1,234.50 on receipts, SUNAT and bank statements), and Windows' "Español (Perú)"
format follows it: decimal ``.``, hence list separator ``,``. A machine set to a
decimal-comma format (Español (España), many other Latin American ones) uses ``;``; for
those the caller can offer ``delimiter=";"``. This is the reasoning, not a measurement on
an instructor's machine: confirm it with one. Whichever Excel writes back, the upload is
read with either (the delimiter is sniffed).

Rows end in CRLF (RFC 4180, what Excel writes); cells are quoted only when needed.

Formula injection: names come from the public form, and a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is run as a formula by spreadsheet programs. Such a
cell is written with a leading ``'`` (OWASP's advice), shown literally by Excel and kept
when it saves; the upload strips it back. So that this is exactly reversible, a cell that
already starts with ``'`` gets one too (see :func:`guard_cell` and :func:`unguard_cell`).
Leading spaces before the trigger count as well.

The upload
==========

Size: at most :data:`MAX_BYTES` bytes and :data:`MAX_ROWS` data rows, else a single error.
A workbook (``.xlsx``/``.xls``) or other binary file is refused with its own code.

Encoding (reported in :attr:`RosterParse.encoding`): a UTF-16 BOM (Excel's "Unicode text",
tab-separated) is honoured and the file decoded as UTF-16; otherwise strict UTF-8, with or
without a BOM; if that fails, cp1252 (what Excel's "CSV (delimitado por comas)" writes on
Windows; it agrees with Latin-1 on every printable Latin-1 character); if even that fails
(one of its five unassigned bytes), Latin-1, which decodes anything.

Lines: the header is the first non-blank line (normally line 1). Line numbers are the
physical lines a text editor shows; a row with a quoted multi-line cell is reported at the
line where it starts. Blank lines, and lines whose cells are all empty, are ignored. A
first line ``sep=;`` (Excel's own hint) sets the delimiter; otherwise it is sniffed from
the header among ``,``, ``;`` and tab: the one that yields the most known column names,
then the most cells.

Header: case, accents, punctuation and spaces do not matter (``DNI``, ``Estado``,
``Nota ``, ``N° DNI``); a few synonyms, Spanish and English, are known (:data:`COLUMNS`).
``dni`` and ``estado`` are required, ``apellidos``, ``nombres`` and ``nota`` optional, any
other named column is an ``unknown_column`` error. Empty header cells (trailing separators)
are allowed; text under one is an ``unnamed_column`` error.

Cells per row: a row may stop early when only optional trailing cells are missing --
Excel omits trailing empty cells on some rows of long files -- and may carry extra empty
cells; a row missing a required cell, or with text outside the known columns, is a
``wrong_cell_count`` error.

DNI: spaces and leading apostrophes are removed, and an Excel number rendering
(``12345678.0``, ``12345678,00``) is read as its integer. Excel drops leading zeros when it
opens the file, so a DNI of 6 or 7 digits gets them back (``1234567`` -> ``01234567``);
real DNIs start with one or two zeros, shorter numbers are more likely typos and are
refused. The DNI must then have 8 digits, be in ``known_dnis`` and appear once.

Status: Spanish or English, case and accents ignored, initials allowed (:data:`STATUS_WORDS`)
-> ``present``, ``late``, ``absent``, ``excused``. An **empty** status means "not taken":
the row is skipped and listed in :attr:`RosterParse.skipped` (code ``no_status``) rather
than refused, because an instructor may have no mark for a learner they never saw, and
refusing the whole file for that would push them to invent one. A file where *every* row
is skipped is refused (``nothing_to_record``): that is the blank template sent back.

Note: at most :data:`MAX_NOTE` characters. Names are read (and un-guarded) but only
informative; the caller may ignore them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

STATUSES: tuple[str, ...] = ("present", "late", "absent", "excused")

#: Column keys of the download, in order; they are also its headers.
HEADERS: tuple[str, ...] = ("dni", "apellidos", "nombres", "estado", "nota")
REQUIRED_COLUMNS: tuple[str, ...] = ("dni", "estado")

#: Labels written in the ``estado`` column of the download.
DEFAULT_LABELS: dict[str, str] = {
    "present": "presente",
    "late": "tarde",
    "absent": "ausente",
    "excused": "justificado",
}

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
MAX_NOTE = 200

#: Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")

UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS: tuple[str, ...] = (",", ";", "\t")


def gettext_noop(message: str) -> str:
    """Return ``message``; the name marks it for ``makemessages`` without importing Django."""
    return message


#: English template per code; the caller translates: ``_(MESSAGES[e.code]) % e.params``.
MESSAGES: dict[str, str] = {
    # the whole file (line 0)
    "too_large": gettext_noop("The file is larger than %(max_bytes)d bytes."),
    "too_many_rows": gettext_noop("The file has more than %(max_rows)d rows."),
    "empty": gettext_noop("The file has no learners' rows."),
    "nothing_to_record": gettext_noop(
        "No row has a status: fill in the “estado” column before uploading the roster."
    ),
    "workbook": gettext_noop(
        "This is an Excel workbook, not a CSV file: in Excel, use “Save as” and choose "
        "“CSV UTF-8” or “CSV (comma delimited)”."
    ),
    "binary": gettext_noop("This is not a text (CSV) file."),
    "bad_encoding": gettext_noop(
        "The file's characters cannot be read (%(encoding)s): save it again as CSV UTF-8."
    ),
    "bad_csv": gettext_noop("Line %(line)d cannot be read as CSV: %(detail)s."),
    # the header
    "unknown_column": gettext_noop(
        "Line %(line)d: the column “%(column)s” is not part of the roster; "
        "the columns are dni, apellidos, nombres, estado and nota."
    ),
    "missing_column": gettext_noop("Line %(line)d: the column “%(column)s” is missing."),
    "duplicate_column": gettext_noop(
        "Line %(line)d: the column “%(column)s” appears more than once."
    ),
    # a row
    "wrong_cell_count": gettext_noop(
        "Line %(line)d has %(found)d cells where the header has %(expected)d."
    ),
    "unnamed_column": gettext_noop(
        "Line %(line)d has text in column %(position)d, which has no name in the header."
    ),
    "missing_dni": gettext_noop("Line %(line)d has no DNI."),
    "bad_dni": gettext_noop("Line %(line)d: “%(value)s” is not a DNI (8 digits)."),
    "unknown_dni": gettext_noop(
        "Line %(line)d: the DNI %(value)s is not a learner of this cohort."
    ),
    "duplicate_dni": gettext_noop(
        "Line %(line)d: the DNI %(dni)s is already on line %(first_line)d."
    ),
    "unknown_status": gettext_noop(
        "Line %(line)d: “%(value)s” is not a status; write presente, tarde, ausente or "
        "justificado (or P, T, A, J)."
    ),
    "note_too_long": gettext_noop(
        "Line %(line)d: the note has %(length)d characters, at most %(max_length)d."
    ),
    # a warning, not an error
    "no_status": gettext_noop(
        "Line %(line)d (DNI %(dni)s) has no status: nothing is recorded for this learner."
    ),
}


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class RosterRow:
    """A learner on the download. ``status`` is a code of :data:`STATUSES`, or None."""

    dni: str
    last_names: str
    first_names: str
    status: str | None = None
    note: str = ""


@dataclass(frozen=True)
class ParsedRow:
    """A valid row of the upload. ``line`` is where the row starts in the file."""

    line: int
    dni: str
    status: str
    note: str = ""
    last_names: str = ""
    first_names: str = ""


@dataclass(frozen=True)
class RowIssue:
    """An error (or, in :attr:`RosterParse.skipped`, a warning) with its line.

    ``line`` is 0 for the whole file. ``params`` always holds ``line``, so that the
    templates of :data:`MESSAGES` can name it.
    """

    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


RowError = RowIssue


@dataclass
class RosterParse:
    """The outcome of :func:`parse_roster`.

    ``rows`` holds the valid rows even when there are errors (for a preview); apply them
    only when ``errors`` is empty. ``missing`` lists the known DNIs absent from the file.
    """

    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    skipped: list[RowIssue] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""

    @property
    def ok(self) -> bool:
        """May the rows be applied?"""
        return not self.errors


def _issue(code: str, line: int, **params: Any) -> RowIssue:
    return RowIssue(line, code, {"line": line, **params})


# ---------------------------------------------------------------- text helpers


def _fold(text: str) -> str:
    """Casefolded, without accents, punctuation or repeated spaces: "N° DNI " -> "n dni"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in bare).split())


def _needs_guard(value: str) -> bool:
    rest = value.lstrip(" ")
    return bool(rest) and (rest[0] in FORMULA_TRIGGERS or rest[0] == "'")


def guard_cell(value: str) -> str:
    """The cell as written on download: a leading ``'`` when it could run as a formula."""
    return "'" + value if _needs_guard(value) else value


def unguard_cell(value: str) -> str:
    """The inverse of :func:`guard_cell`: ``unguard_cell(guard_cell(s)) == s``."""
    if value.startswith("'") and _needs_guard(value[1:]):
        return value[1:]
    return value


def _clean(value: str) -> str:
    """An uploaded cell, un-guarded, then stripped (so "'\t" is empty, not "'")."""
    return unguard_cell(value.lstrip(" ")).strip()


def _shown(value: str, limit: int = 40) -> str:
    """A cell quoted back in a message, cut short: a message must not echo a whole file."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


#: Known header names, folded (see :func:`_fold`) -> column key.
COLUMNS: dict[str, str] = {
    **dict.fromkeys(
        ["dni", "documento", "nro dni", "n dni", "no dni", "numero dni", "numero de dni"], "dni"
    ),
    **dict.fromkeys(
        ["apellidos", "apellido", "last name", "last names", "surname", "surnames"],
        "apellidos",
    ),
    **dict.fromkeys(
        ["nombres", "nombre", "first name", "first names", "given names", "names", "name"],
        "nombres",
    ),
    **dict.fromkeys(["estado", "asistencia", "status", "attendance"], "estado"),
    **dict.fromkeys(
        [
            "nota",
            "notas",
            "observacion",
            "observaciones",
            "comentario",
            "comentarios",
            "note",
            "notes",
            "comment",
            "comments",
        ],
        "nota",
    ),
}

#: Accepted status words, folded -> status code.
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(["presente", "present", "p", "asistio"], "present"),
    **dict.fromkeys(["tarde", "late", "t", "tardanza", "llego tarde"], "late"),
    **dict.fromkeys(["ausente", "absent", "a", "falta", "f", "no asistio"], "absent"),
    **dict.fromkeys(
        ["justificado", "justificada", "excused", "j", "e", "falta justificada"], "excused"
    ),
}


def status_code(value: str) -> str | None:
    """The status code a cell means, or None: ``" Presente "`` -> ``"present"``."""
    return STATUS_WORDS.get(_fold(value))


# ---------------------------------------------------------------- download


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def roster_csv(
    rows: Sequence[RosterRow],
    *,
    status_labels: Mapping[str, str] | None = None,
    delimiter: str = ",",
) -> bytes:
    """The roster to download: UTF-8 with a BOM, CRLF, columns :data:`HEADERS`.

    ``status_labels`` maps status codes to the words written in ``estado`` (default
    :data:`DEFAULT_LABELS`, Spanish). A label that would not read back as its code
    (:func:`status_code`) is replaced by the default one rather than refused: a
    translator's wording must not break the download, nor the round trip. Control
    characters other than tab, CR and LF are dropped (no spreadsheet shows them; NUL would
    make the file binary). See the module docstring for the delimiter and the formula guard.
    """
    labels = dict(DEFAULT_LABELS)
    for code, label in (status_labels or {}).items():
        if status_code(label) == code:  # else a translation would break the round trip
            labels[code] = label
    if delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS!r}")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        if row.status is not None and row.status not in STATUSES:
            raise ValueError(f"unknown status {row.status!r} for a roster row")
        cells = [
            row.dni,
            row.last_names,
            row.first_names,
            labels[row.status] if row.status else "",
            row.note,
        ]
        writer.writerow([guard_cell(_CONTROL.sub("", c)) for c in cells])
    return UTF8_BOM + out.getvalue().encode("utf-8")


# ---------------------------------------------------------------- upload


def _decode(data: bytes) -> tuple[str, str] | RowIssue:
    """The text and the encoding's name, or the file-level error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return _issue("bad_encoding", 0, encoding="UTF-16")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return _issue("workbook", 0)
    if b"\x00" in data:
        return _issue("binary", 0)
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[len(UTF8_BOM) :]  # a BOM on a file saved again in cp1252
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _split_header(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _sniff(line: str) -> str:
    """The delimiter that reads the most known columns, then the most cells, from ``line``."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = _split_header(line, delimiter)
        known = sum(1 for c in cells if _fold(_clean(c)) in COLUMNS)
        return known, len(cells)

    return max(DELIMITERS, key=score)  # max keeps the first of equals: "," then ";" then tab


_SEP_LINE = re.compile(r"\s*sep=(.)\s*", re.IGNORECASE)
_DNI = re.compile(r"([0-9]+)(?:[.,]0+)?", re.ASCII)


def normalise_dni(value: str) -> str | None:
    """The 8-digit DNI a cell means, or None (see the module docstring)."""
    cell = re.sub(r"\s+", "", value).lstrip("'")
    match = _DNI.fullmatch(cell)
    if match is None:
        return None
    digits = match.group(1)
    if len(digits) in (6, 7):
        digits = digits.zfill(8)
    return digits if len(digits) == 8 else None


@dataclass(frozen=True)
class _Header:
    line: int
    columns: list[str | None]  # column key per position; None for an empty header cell


def _read_header(cells: list[str], line: int) -> _Header | list[RowIssue]:
    errors: list[RowIssue] = []
    columns: list[str | None] = []
    for position, raw in enumerate(cells, start=1):
        name = _clean(raw)
        if not name:
            columns.append(None)
            continue
        key = COLUMNS.get(_fold(name))
        if key is None:
            errors.append(_issue("unknown_column", line, column=_shown(name), position=position))
        elif key in columns:
            errors.append(_issue("duplicate_column", line, column=name, position=position))
        columns.append(key)
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            errors.append(_issue("missing_column", line, column=key))
    return errors or _Header(line, columns)


class _BadCsv(Exception):
    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


class _Rows:
    """Records of the CSV with the physical line each starts on; blank records skipped."""

    def __init__(self, text: str, delimiter: str) -> None:
        self.reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def __iter__(self) -> _Rows:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        while True:
            start = self.reader.line_num + 1
            try:
                cells = next(self.reader)  # StopIteration ends the iteration
            except csv.Error as exc:
                raise _BadCsv(start, str(exc)) from exc
            if any(c.strip() for c in cells):
                return start, cells


def parse_roster(data: bytes, *, known_dnis: Collection[str]) -> RosterParse:
    """Read an uploaded roster; never raises on bad input (see the module docstring).

    ``known_dnis`` are the DNIs of the cohort's learners. Errors come sorted by line.
    """
    result = RosterParse()
    if len(data) > MAX_BYTES:
        result.errors.append(_issue("too_large", 0, max_bytes=MAX_BYTES))
        return result
    decoded = _decode(data)
    if isinstance(decoded, RowIssue):
        result.errors.append(decoded)
        return result
    text, result.encoding = decoded
    if text.startswith("\ufeff"):  # a BOM under a BOM, or one UTF-16 kept
        text = " " + text[1:]

    first: tuple[int, str] | None = None
    for number, physical in enumerate(io.StringIO(text, newline=""), start=1):
        if physical.strip():
            first = (number, physical.rstrip("\r\n"))
            break
    if first is None:
        result.errors.append(_issue("empty", 0))
        return result
    sep = _SEP_LINE.fullmatch(first[1])
    if sep and sep.group(1) not in DELIMITERS:
        sep = None
    delimiter = sep.group(1) if sep else _sniff(first[1])
    result.delimiter = delimiter

    try:
        _read_rows(text, delimiter, skip_first=sep is not None, known=known_dnis, into=result)
    except _BadCsv as exc:
        result.rows.clear()
        result.skipped.clear()
        result.missing.clear()
        result.errors = [_issue("bad_csv", exc.line, detail=exc.detail)]
        return result
    result.errors.sort(key=lambda e: e.line)
    return result


def _read_rows(
    text: str,
    delimiter: str,
    *,
    skip_first: bool,
    known: Collection[str],
    into: RosterParse,
) -> None:
    rows = _Rows(text, delimiter)
    line = 0
    try:
        if skip_first:
            next(rows)
        line, header_cells = next(rows)
    except StopIteration:
        into.errors.append(_issue("empty", 0))
        return
    header = _read_header(header_cells, line)
    if isinstance(header, list):
        into.errors.extend(header)
        return

    known_set = set(known)
    seen: dict[str, int] = {}
    count = 0
    for line, cells in rows:
        count += 1
        if count > MAX_ROWS:
            into.rows.clear()
            into.skipped.clear()
            into.errors = [_issue("too_many_rows", 0, max_rows=MAX_ROWS)]
            return
        _read_row(line, cells, header, known_set, seen, into)

    if count == 0:
        into.errors.append(_issue("empty", 0))
    elif not into.rows and not into.errors:
        into.errors.append(_issue("nothing_to_record", 0))
    into.missing = sorted(known_set - seen.keys())


def _read_row(
    line: int,
    cells: list[str],
    header: _Header,
    known: set[str],
    seen: dict[str, int],
    into: RosterParse,
) -> None:
    width = len(header.columns)
    needed = 1 + max(header.columns.index(k) for k in REQUIRED_COLUMNS)
    extra = cells[width:]
    named = header.columns
    stray = next((i for i, c in enumerate(cells[:width]) if c.strip() and not named[i]), None)
    if len(cells) < needed or any(c.strip() for c in extra):
        into.errors.append(_issue("wrong_cell_count", line, found=len(cells), expected=width))
        return
    if stray is not None:
        into.errors.append(_issue("unnamed_column", line, position=stray + 1))
        return
    values = {
        key: cells[i] if i < len(cells) else ""
        for i, key in enumerate(header.columns)
        if key is not None
    }

    errors: list[RowIssue] = []
    raw_dni = _clean(values["dni"])
    dni = normalise_dni(raw_dni)
    if not raw_dni:
        errors.append(_issue("missing_dni", line))
    elif dni is None:
        errors.append(_issue("bad_dni", line, value=_shown(raw_dni)))
    elif dni not in known:
        errors.append(_issue("unknown_dni", line, value=raw_dni, dni=dni))
    elif dni in seen:
        errors.append(_issue("duplicate_dni", line, dni=dni, first_line=seen[dni]))
    if dni is not None and dni not in seen:
        seen[dni] = line

    raw_status = _clean(values["estado"])
    status = status_code(raw_status) if raw_status else None
    if raw_status and status is None:
        errors.append(_issue("unknown_status", line, value=_shown(raw_status)))

    note = _clean(values.get("nota", ""))
    if len(note) > MAX_NOTE:
        errors.append(_issue("note_too_long", line, length=len(note), max_length=MAX_NOTE))

    if errors:
        into.errors.extend(errors)
    elif status is None:
        into.skipped.append(_issue("no_status", line, dni=dni))
    else:
        assert dni is not None
        into.rows.append(
            ParsedRow(
                line=line,
                dni=dni,
                status=status,
                note=note,
                last_names=_clean(values.get("apellidos", "")),
                first_names=_clean(values.get("nombres", "")),
            )
        )
