"""Streamed CSV and XLSX downloads of any table, with their audit row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import FileResponse, StreamingHttpResponse

from yachay.core import exports
from yachay.core.actors import Actor
from yachay.core.exports import (
    BOM,
    ExportTooLarge,
    csv_cell,
    csv_chunks,
    csv_response,
    export_filename,
    export_response,
    xlsx_response,
    xlsx_write,
)
from yachay.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _connection_kept_past_close() -> Iterator[None]:
    """These tests close responses themselves, outside the test client; closing one sends
    ``request_finished``, whose ``close_old_connections`` would hand the test's connection
    back (to PostgreSQL's pool) inside the test's transaction. The test client disconnects
    it the same way while it serves a request."""
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_finished.connect(close_old_connections)


HEADER = ["Nombre", "Departamento", "Edad", "Puntaje"]
NAMES = ["Ñusta Quispe Mamani", "Túpac Huamán", "Sumaq Wayta Ccori", "José Ángel Peña"]


def _rows() -> list[list[Any]]:
    return [
        [NAMES[0], "Cusco", 24, Decimal("17.5")],
        [NAMES[1], "Áncash", 31, 12.25],
        [NAMES[2], "Apurímac", 19, -3],
        [NAMES[3], "Lima Metropolitana", None, 0],
    ]


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _read_xlsx(data: bytes) -> str:
    """The sheet's shared strings and sheet XML as one text (enough to assert on cells)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = book.namelist()
        texts = [book.read(n).decode("utf-8") for n in names if n.startswith("xl/")]
    return "\n".join(texts)


def _body(response: StreamingHttpResponse | FileResponse) -> bytes:
    try:
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    finally:
        response.close()


# -- the formula guard ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","clic")',
        "+51 999 888 777",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "=cmd|' /C calc'!A0",
    ],
)
def test_csv_cell_prefixes_text_that_a_spreadsheet_would_run_as_a_formula(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Ñusta", "a=b", "1+1", "correo@ejemplo.pe", " =1", "'=x"])
def test_csv_cell_leaves_text_that_does_not_begin_like_a_formula(text: str) -> None:
    assert csv_cell(text) == text


def test_csv_cell_writes_numbers_as_numbers_even_negative_ones() -> None:
    assert csv_cell(-3) == "-3"
    assert csv_cell(Decimal("-1.50")) == "-1.50"
    assert csv_cell(0.5) == "0.5"
    assert csv_cell(True) == "true"
    assert csv_cell(None) == ""


def test_csv_cell_writes_dates_in_iso_and_aware_times_in_lima(settings: Any) -> None:
    assert csv_cell(dt.date(2027, 3, 1)) == "2027-03-01"
    moment = dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)
    assert csv_cell(moment) == "2027-03-01T10:00:00-05:00"


def test_a_formula_typed_in_a_name_reaches_the_csv_defused_and_quoted() -> None:
    data = b"".join(csv_chunks(["Nombre"], [["=1+1"], ["@A1"], ["Ñ"]]))
    text = data.decode("utf-8-sig")
    assert text == '"Nombre"\r\n"\'=1+1"\r\n"\'@A1"\r\n"Ñ"\r\n'


# -- CSV ------------------------------------------------------------------------------------


def test_csv_chunks_start_with_a_bom_and_keep_quechua_names_and_tildes() -> None:
    data = b"".join(csv_chunks(HEADER, _rows()))
    assert data.startswith(b"\xef\xbb\xbf")
    table = _read_csv(data)
    assert table[0] == HEADER
    assert [row[0] for row in table[1:]] == NAMES
    assert table[2][1] == "Áncash"
    assert table[3][3] == "-3"
    assert table[4][2] == ""


def test_csv_chunks_stream_in_pieces_and_count_the_rows_sent() -> None:
    counter = [0]
    many = ([f"Persona {i}", "Puno", i, i] for i in range(20_000))
    chunks = csv_chunks(HEADER, many, counter=counter)
    first = next(chunks)
    assert 0 < counter[0] < 20_000  # the first chunk went out before the last row was read
    assert len(first) >= exports.CSV_CHUNK_BYTES
    rest = list(chunks)
    assert counter[0] == 20_000
    assert len(_read_csv(first + b"".join(rest))) == 20_001


def test_csv_chunks_read_the_rows_lazily() -> None:
    read = []

    def rows() -> Iterator[list[Any]]:
        for i in range(3):
            read.append(i)
            yield [i]

    chunks = csv_chunks(["n"], rows())
    assert read == []
    list(chunks)
    assert read == [0, 1, 2]


@pytest.mark.django_db
def test_csv_response_is_an_attachment_never_stored_and_audited_once_streamed(
    users: dict[str, Any],
) -> None:
    actor = Actor.of_user(users["admin"])
    response = csv_response(
        name="funnel by department",
        header=HEADER,
        rows=iter(_rows()),
        actor=actor,
        filters={"call": "7", "department": "Cusco"},
    )
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="funnel-by-department-')
    assert "no-store" in response["Cache-Control"]
    assert not AuditEvent.objects.filter(object_type="export").exists()  # not yet streamed

    assert len(_read_csv(_body(response))) == 5

    event = AuditEvent.objects.get(object_type="export")
    assert event.action == "export.csv"
    assert event.object_id == "funnel by department"
    assert event.actor == users["admin"]
    assert event.changes == {
        "filters": {"call": "7", "department": "Cusco"},
        "rows": 4,
        "complete": True,
    }


@pytest.mark.django_db
def test_a_csv_download_cut_short_is_audited_with_the_rows_sent(users: dict[str, Any]) -> None:
    many = ([f"Persona {i}", "Puno", i, i] for i in range(50_000))
    response = csv_response(
        name="learners", header=HEADER, rows=many, actor=Actor.of_user(users["admin"])
    )
    stream = iter(cast(Iterator[bytes], response.streaming_content))
    next(stream)
    next(stream)
    response.close()  # the client went away

    event = AuditEvent.objects.get(object_type="export")
    assert event.changes["complete"] is False
    assert 0 < event.changes["rows"] < 50_000


@pytest.mark.django_db
def test_an_empty_selection_exports_a_file_with_only_the_header(users: dict[str, Any]) -> None:
    actor = Actor.of_user(users["admin"])
    csv_data = _body(csv_response(name="empty", header=HEADER, rows=[], actor=actor))
    assert _read_csv(csv_data) == [HEADER]

    xlsx_data = _body(xlsx_response(name="empty", header=HEADER, rows=iter([]), actor=actor))
    assert "Departamento" in _read_xlsx(xlsx_data)
    rows = [e.changes["rows"] for e in AuditEvent.objects.filter(object_type="export")]
    assert rows == [0, 0]


# -- XLSX -----------------------------------------------------------------------------------


def test_xlsx_write_keeps_unicode_and_writes_formulas_as_plain_guarded_text() -> None:
    buffer = io.BytesIO()
    rows = [*_rows(), ['=HYPERLINK("http://evil.example")', "@SUM(A1)", 5, dt.date(2027, 1, 2)]]
    assert xlsx_write(buffer, HEADER, rows) == 5
    xml = _read_xlsx(buffer.getvalue())
    for name in NAMES:
        assert name in xml
    assert "<f>" not in xml  # no formula cell anywhere
    assert "&apos;=HYPERLINK" in xml or "'=HYPERLINK" in xml
    assert "'@SUM(A1)" in xml


def test_xlsx_write_refuses_more_rows_than_a_sheet_holds(monkeypatch: Any) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 10)
    with pytest.raises(ExportTooLarge):
        xlsx_write(io.BytesIO(), ["n"], ([i] for i in range(20)))


@pytest.mark.django_db
def test_xlsx_response_is_a_whole_workbook_with_its_length_audited(
    users: dict[str, Any], tmp_path: Any, settings: Any
) -> None:
    settings.YACHAY_EXPORT_TMPDIR = str(tmp_path)
    response = xlsx_response(
        name="cohorts", header=HEADER, rows=iter(_rows()), actor=Actor.of_user(users["admin"])
    )
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = _body(response)
    assert int(response["Content-Length"]) == len(data)
    assert "Sumaq Wayta Ccori" in _read_xlsx(data)
    assert list(tmp_path.iterdir()) == []  # the temporary file had no name; nothing left
    event = AuditEvent.objects.get(object_type="export")
    assert (event.action, event.changes["rows"]) == ("export.xlsx", 4)


@pytest.mark.django_db
def test_export_response_picks_the_format_and_refuses_an_unknown_one(
    users: dict[str, Any],
) -> None:
    actor = Actor.of_user(users["admin"])
    assert isinstance(
        export_response("xlsx", name="t", header=["a"], rows=[], actor=actor), FileResponse
    )
    assert isinstance(
        export_response("csv", name="t", header=["a"], rows=[], actor=actor),
        StreamingHttpResponse,
    )
    with pytest.raises(ValueError):
        export_response("pdf", name="t", header=["a"], rows=[], actor=actor)


def test_export_filename_is_ascii_and_dated() -> None:
    name = export_filename('Ñandú "x"/../y', "csv", today=dt.date(2027, 3, 1))
    assert name == "Nandu-x-..-y-2027-03-01.csv"
    assert export_filename("", "xlsx", today=dt.date(2027, 3, 1)) == "export-2027-03-01.xlsx"


@pytest.mark.django_db
def test_the_audit_keeps_filters_short(users: dict[str, Any]) -> None:
    from yachay.core.services import export_record

    event = export_record(
        actor=Actor.of_user(users["admin"]),
        what="t",
        fmt="csv",
        filters={"q": "x" * 5000},
        rows=1,
    )
    assert len(event.changes["filters"]["q"]) == 200
