"""The offline attendance roster: download and upload, on plain bytes (no database)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yachay.cohorts.roster import (
    FORMULA_TRIGGERS,
    MAX_BYTES,
    MAX_NOTE,
    MAX_ROWS,
    MESSAGES,
    RosterParse,
    RosterRow,
    guard_cell,
    normalise_dni,
    parse_roster,
    roster_csv,
    status_code,
    unguard_cell,
)

KNOWN = {"01234567", "12345678", "23456789", "00123456"}
ROWS = [
    RosterRow("01234567", "Peña Quispe", "María José", "present"),
    RosterRow("12345678", "Ñahui Mamani", "Ángel", "late", "llegó 8:20"),
    RosterRow("23456789", "Huamán", "Úrsula", None),
    RosterRow("00123456", "Cóndor", "Iñigo", "excused"),
]


def parse(text: str, known: set[str] = KNOWN, encoding: str = "utf-8") -> RosterParse:
    return parse_roster(text.encode(encoding), known_dnis=known)


def codes(result: RosterParse) -> list[tuple[str, int]]:
    return [(e.code, e.line) for e in result.errors]


def cells_of(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


# ---------------------------------------------------------------- the download


def test_the_download_is_utf8_with_a_bom_and_crlf_and_spanish_headers() -> None:
    data = roster_csv(ROWS)
    assert data.startswith(b"\xef\xbb\xbfdni,apellidos,nombres,estado,nota\r\n")
    assert "Peña Quispe".encode() in data
    assert data.count(b"\r\n") == len(ROWS) + 1


def test_the_download_prefills_the_known_status_and_leaves_the_others_empty() -> None:
    rows = cells_of(roster_csv(ROWS))
    assert [r[3] for r in rows[1:]] == ["presente", "tarde", "", "justificado"]
    assert rows[2][4] == "llegó 8:20"


def test_the_download_can_use_semicolons() -> None:
    data = roster_csv(ROWS, delimiter=";")
    assert data.startswith(b"\xef\xbb\xbfdni;apellidos;nombres;estado;nota\r\n")
    assert parse_roster(data, known_dnis=KNOWN).delimiter == ";"


def test_the_download_takes_labels_that_read_back() -> None:
    data = roster_csv(ROWS, status_labels={"present": "Presente", "late": "Late"})
    rows = cells_of(data)
    assert [r[3] for r in rows[1:3]] == ["Presente", "Late"]
    assert [r.status for r in parse_roster(data, known_dnis=KNOWN).rows][:2] == [
        "present",
        "late",
    ]


def test_a_label_that_would_not_read_back_is_replaced_by_the_spanish_one() -> None:
    data = roster_csv(ROWS, status_labels={"present": "asistió tarde", "late": "Late"})
    assert [r[3] for r in cells_of(data)[1:3]] == ["presente", "Late"]
    assert [r.status for r in parse_roster(data, known_dnis=KNOWN).rows][:2] == [
        "present",
        "late",
    ]


def test_the_download_refuses_an_unknown_status_or_delimiter() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        roster_csv([RosterRow("12345678", "A", "B", "sleeping")])
    with pytest.raises(ValueError, match="delimiter"):
        roster_csv(ROWS, delimiter="|")


INJECTIONS = [
    '=HYPERLINK("http://evil.example";"clic")',
    "+51 999 888 777",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "  =cmd|' /C calc'!A0",
    "'quoted",
]


@pytest.mark.parametrize("name", INJECTIONS)
def test_a_formula_in_a_name_is_written_as_text(name: str) -> None:
    rows = cells_of(roster_csv([RosterRow("12345678", name, name, "present", name)]))
    assert rows[1][1] == rows[1][2] == rows[1][4] == "'" + name


@pytest.mark.parametrize("name", INJECTIONS)
def test_a_guarded_cell_comes_back_as_it_was(name: str) -> None:
    data = roster_csv([RosterRow("12345678", name, name, "present", name)])
    (row,) = parse_roster(data, known_dnis=KNOWN).rows
    # upload cells are stripped of surrounding white space
    assert row.last_names == row.first_names == row.note == name.strip()


def test_plain_names_and_apostrophes_inside_are_not_guarded() -> None:
    rows = cells_of(roster_csv([RosterRow("12345678", "D'Ángelo", "Ana-María", "absent")]))
    assert rows[1][1:3] == ["D'Ángelo", "Ana-María"]


@given(st.text())
def test_guarding_is_exactly_reversible(value: str) -> None:
    assert unguard_cell(guard_cell(value)) == value


@given(st.text())
def test_a_guarded_cell_never_starts_with_a_formula_trigger(value: str) -> None:
    guarded = guard_cell(value).lstrip(" ")
    assert not guarded or guarded[0] not in FORMULA_TRIGGERS


# ---------------------------------------------------------------- round trips


def test_an_untouched_download_uploads_its_statuses() -> None:
    result = parse_roster(roster_csv(ROWS), known_dnis=KNOWN)
    assert result.ok
    assert result.encoding == "utf-8-sig"
    assert result.delimiter == ","
    assert {r.dni: r.status for r in result.rows} == {
        "01234567": "present",
        "12345678": "late",
        "00123456": "excused",
    }
    assert [r.line for r in result.rows] == [2, 3, 5]
    assert [(s.code, s.line, s.params["dni"]) for s in result.skipped] == [
        ("no_status", 4, "23456789")
    ]
    assert result.rows[0].last_names == "Peña Quispe"
    assert result.rows[1].note == "llegó 8:20"


def test_a_filled_download_saved_again_by_excel_in_cp1252_uploads() -> None:
    # What Excel es-PE writes back with "CSV (delimitado por comas)": ANSI (cp1252),
    # leading zeros gone, trailing empty cells left off.
    text = (
        "dni,apellidos,nombres,estado,nota\r\n"
        "1234567,Peña Quispe,María José,Presente\r\n"
        "12345678,Ñahui Mamani,Ángel,Tarde,llegó 8:20\r\n"
        "23456789,Huamán,Úrsula,A,\r\n"
        "123456,Cóndor,Iñigo,j\r\n"
    )
    result = parse(text, encoding="cp1252")
    assert result.ok, result.errors
    assert result.encoding == "cp1252"
    assert [(r.dni, r.status) for r in result.rows] == [
        ("01234567", "present"),
        ("12345678", "late"),
        ("23456789", "absent"),
        ("00123456", "excused"),
    ]
    assert [r.last_names for r in result.rows] == [
        "Peña Quispe",
        "Ñahui Mamani",
        "Huamán",
        "Cóndor",
    ]
    assert result.rows[1].note == "llegó 8:20"


def test_a_semicolon_file_from_a_decimal_comma_machine_uploads() -> None:
    text = "dni;apellidos;nombres;estado;nota\n12345678;Peña;Ana;ausente;viaje, regresa lunes\n"
    result = parse(text)
    assert result.ok
    assert result.delimiter == ";"
    assert result.rows[0].note == "viaje, regresa lunes"


def test_a_tab_separated_file_uploads() -> None:
    result = parse("DNI\tEstado\n12345678\tP\n")
    assert result.delimiter == "\t"
    assert [(r.dni, r.status) for r in result.rows] == [("12345678", "present")]


def test_excels_unicode_text_in_utf16_is_read() -> None:
    data = "dni\tapellidos\tnombres\testado\tnota\r\n12345678\tÑique\tAna\tp\t\r\n".encode("utf-16")
    result = parse_roster(data, known_dnis=KNOWN)
    assert result.ok
    assert result.encoding == "utf-16"
    assert result.rows[0].last_names == "Ñique"


def test_utf8_without_a_bom_is_read_as_utf8() -> None:
    result = parse("dni,estado,apellidos\n12345678,presente,Peña\n")
    assert result.encoding == "utf-8"
    assert result.rows[0].last_names == "Peña"


def test_bytes_that_are_not_even_cp1252_fall_back_to_latin1() -> None:
    data = b"dni,estado,nota\n12345678,p,caf\xe9 \x81\n"
    result = parse_roster(data, known_dnis=KNOWN)
    assert result.ok
    assert result.encoding == "latin-1"
    assert result.rows[0].note == "café \x81"


def test_a_bom_on_a_file_resaved_in_cp1252_is_dropped() -> None:
    data = b"\xef\xbb\xbf" + "dni,estado,apellidos\n12345678,p,Peña\n".encode("cp1252")
    result = parse_roster(data, known_dnis=KNOWN)
    assert result.ok
    assert result.encoding == "cp1252"
    assert result.rows[0].last_names == "Peña"


def test_excels_sep_line_sets_the_delimiter() -> None:
    result = parse("sep=;\ndni;estado\n12345678;p\n")
    assert result.ok
    assert result.delimiter == ";"
    assert result.rows[0].line == 3


def test_mac_line_endings_are_lines() -> None:
    result = parse("dni,estado\r12345678,p\r01234567,t\r")
    assert [(r.line, r.status) for r in result.rows] == [(2, "present"), (3, "late")]


# ---------------------------------------------------------------- the whole file


def test_a_workbook_is_refused_with_advice() -> None:
    result = parse_roster(b"PK\x03\x04\x14\x00\x06\x00rest of an xlsx", known_dnis=KNOWN)
    assert codes(result) == [("workbook", 0)]
    old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20
    assert codes(parse_roster(old_xls, known_dnis=KNOWN)) == [("workbook", 0)]


def test_a_binary_file_is_refused() -> None:
    assert codes(parse_roster(b"dni,estado\x00\x00\x01", known_dnis=KNOWN)) == [("binary", 0)]


def test_broken_utf16_is_refused() -> None:
    result = parse_roster(b"\xff\xfe" + b"\x00\xd8a\x00", known_dnis=KNOWN)
    assert codes(result) == [("bad_encoding", 0)]


def test_a_file_over_the_size_limit_is_one_error() -> None:
    data = b"dni,estado\n" + b"12345678,p\n" * (MAX_BYTES // 11 + 1)
    result = parse_roster(data, known_dnis=KNOWN)
    assert codes(result) == [("too_large", 0)]
    assert result.rows == []


def test_too_many_rows_is_one_error_and_nothing_else() -> None:
    text = "dni,estado\n" + "99999999,x\n" * (MAX_ROWS + 1)
    result = parse(text)
    assert codes(result) == [("too_many_rows", 0)]
    assert result.rows == [] and result.skipped == []


def test_the_row_limit_itself_is_allowed() -> None:
    known = {f"{n:08d}" for n in range(10_000_000, 10_000_000 + MAX_ROWS)}
    text = "dni,estado\n" + "".join(f"{d},p\n" for d in sorted(known))
    result = parse(text, known)
    assert result.ok
    assert len(result.rows) == MAX_ROWS


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff"])
def test_an_empty_file_is_refused(text: str) -> None:
    assert codes(parse(text)) == [("empty", 0)]


def test_a_header_without_rows_is_refused() -> None:
    assert codes(parse("dni,estado\n\n,,\n")) == [("empty", 0)]


def test_the_blank_template_sent_back_is_refused() -> None:
    result = parse_roster(roster_csv([RosterRow("12345678", "A", "B")]), known_dnis=KNOWN)
    assert codes(result) == [("nothing_to_record", 0)]
    assert len(result.skipped) == 1


def test_a_cell_too_big_for_csv_is_a_clear_error() -> None:
    text = 'dni,estado,nota\n12345678,p,"' + "x" * 200_000 + '"\n'
    result = parse(text)
    assert codes(result) == [("bad_csv", 2)]
    assert result.rows == []


# ---------------------------------------------------------------- the header


@pytest.mark.parametrize(
    "header",
    [
        "DNI,Estado,Nota ",
        " dni ; ESTADO ; apellidos",
        "N° DNI,Estado,Apellidos,Nombres,Observación",
        "Dni,Asistencia",
        "dni,status,last name,first name,notes",
    ],
)
def test_the_header_ignores_case_accents_and_spaces(header: str) -> None:
    delimiter = ";" if ";" in header else ","
    result = parse(f"{header}\n12345678{delimiter}p\n")
    assert result.ok, result.errors
    assert result.rows[0].status == "present"


def test_the_columns_may_come_in_any_order() -> None:
    result = parse("nota,estado,nombres,dni\nbien,t,Ana,12345678\n")
    assert [(r.dni, r.status, r.note, r.first_names) for r in result.rows] == [
        ("12345678", "late", "bien", "Ana")
    ]


def test_an_unknown_column_is_named_on_line_1() -> None:
    result = parse("dni,estado,Teléfono\n12345678,p,999\n")
    assert codes(result) == [("unknown_column", 1)]
    assert result.errors[0].params["column"] == "Teléfono"
    assert result.errors[0].params["position"] == 3
    assert result.rows == []


def test_a_missing_required_column_is_named() -> None:
    result = parse("dni,apellidos,nombres,nota\n12345678,A,B,\n")
    assert codes(result) == [("missing_column", 1)]
    assert result.errors[0].params["column"] == "estado"
    result = parse("apellidos,estado\nA,p\n")
    assert [e.params["column"] for e in result.errors] == ["dni"]


def test_a_column_twice_is_an_error() -> None:
    result = parse("dni,estado,Estado\n12345678,p,t\n")
    assert codes(result) == [("duplicate_column", 1)]


def test_blank_lines_before_the_header_keep_line_numbers_physical() -> None:
    result = parse("\n\ndni,estado,nota\n99999999,p,\n")
    assert codes(result) == [("unknown_dni", 4)]


def test_a_trailing_empty_header_cell_is_allowed_while_its_cells_stay_empty() -> None:
    assert parse("dni,estado,\n12345678,p,\n").ok
    result = parse("dni,estado,\n12345678,p,hola\n")
    assert codes(result) == [("unnamed_column", 2)]
    assert result.errors[0].params["position"] == 3


# ---------------------------------------------------------------- rows


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("presente", "present"),
        ("PRESENTE", "present"),
        ("Present", "present"),
        ("p", "present"),
        ("P.", "present"),
        ("tarde", "late"),
        ("T", "late"),
        ("late", "late"),
        ("Tardanza", "late"),
        ("ausente", "absent"),
        ("A", "absent"),
        ("absent", "absent"),
        ("falta", "absent"),
        ("justificado", "excused"),
        ("Justificada", "excused"),
        ("J", "excused"),
        ("e", "excused"),
        ("Excused", "excused"),
        ("  asistió ", "present"),
    ],
)
def test_a_status_is_read_in_spanish_or_english_or_as_an_initial(word: str, code: str) -> None:
    assert status_code(word) == code
    assert parse(f"dni,estado\n12345678,{word}\n").rows[0].status == code


def test_an_unknown_status_is_an_error_naming_it() -> None:
    result = parse("dni,estado\n12345678,quizás\n")
    assert codes(result) == [("unknown_status", 2)]
    assert result.errors[0].params["value"] == "quizás"


def test_an_empty_status_skips_the_row_with_a_warning() -> None:
    result = parse("dni,estado\n12345678,p\n01234567,\n00123456,  \n")
    assert result.ok
    assert [r.dni for r in result.rows] == ["12345678"]
    assert [(s.code, s.line, s.params["dni"]) for s in result.skipped] == [
        ("no_status", 3, "01234567"),
        ("no_status", 4, "00123456"),
    ]


@pytest.mark.parametrize(
    ("cell", "dni"),
    [
        ("12345678", "12345678"),
        ("'01234567", "01234567"),
        ("1234567", "01234567"),
        ("123456", "00123456"),
        ("12345678.0", "12345678"),
        ("12345678,00", "12345678"),
        (" 1234 5678 ", "12345678"),
    ],
)
def test_a_dni_is_read_as_excel_may_have_written_it(cell: str, dni: str) -> None:
    assert normalise_dni(cell) == dni
    result = parse(f'dni;estado\n"{cell}";p\n')
    assert [r.dni for r in result.rows] == [dni]


@pytest.mark.parametrize("cell", ["12345", "123456789", "1234567A", "12345678.5", "١٢٣٤٥٦٧٨"])
def test_something_that_is_not_a_dni_is_an_error(cell: str) -> None:
    assert normalise_dni(cell) is None
    result = parse(f"dni;estado\n{cell};p\n")
    assert codes(result) == [("bad_dni", 2)]
    assert result.errors[0].params["value"] == cell


def test_a_row_without_a_dni_is_an_error() -> None:
    result = parse("dni,apellidos,estado\n,Pérez,p\n")
    assert codes(result) == [("missing_dni", 2)]


def test_an_unknown_dni_is_an_error_quoting_what_was_written() -> None:
    result = parse("dni,estado\n12345678,p\n7654321,p\n")
    assert codes(result) == [("unknown_dni", 3)]
    assert result.errors[0].params == {"line": 3, "value": "7654321", "dni": "07654321"}


def test_a_duplicate_dni_names_the_first_line() -> None:
    result = parse("dni,estado\n12345678,p\n01234567,p\n'12345678,a\n")
    assert codes(result) == [("duplicate_dni", 4)]
    assert result.errors[0].params["first_line"] == 2


def test_a_duplicate_counts_even_when_a_status_is_empty() -> None:
    result = parse("dni,estado\n12345678,\n12345678,p\n")
    assert codes(result) == [("duplicate_dni", 3)]


def test_a_row_missing_a_required_cell_is_a_cell_count_error() -> None:
    result = parse("dni,apellidos,estado\n12345678,Pérez\n")
    assert codes(result) == [("wrong_cell_count", 2)]
    assert result.errors[0].params | {"line": 2} == {"line": 2, "found": 2, "expected": 3}


def test_a_row_with_text_past_the_header_is_a_cell_count_error() -> None:
    result = parse("dni,estado\n12345678,p,sobra\n")
    assert codes(result) == [("wrong_cell_count", 2)]


def test_excel_short_rows_and_trailing_separators_are_fine() -> None:
    result = parse("dni,estado,nota\n12345678,p\n01234567,t,,,\n")
    assert result.ok
    assert [r.note for r in result.rows] == ["", ""]


def test_a_note_may_have_200_characters_and_no_more() -> None:
    ok = "ñ" * MAX_NOTE
    assert parse(f"dni,estado,nota\n12345678,p,{ok}\n").rows[0].note == ok
    result = parse(f"dni,estado,nota\n12345678,p,{ok}x\n")
    assert codes(result) == [("note_too_long", 2)]
    assert result.errors[0].params["length"] == MAX_NOTE + 1


def test_empty_lines_and_rows_of_empty_cells_are_ignored() -> None:
    result = parse("dni,estado\n\n12345678,p\n,\n  \n01234567,a\n")
    assert result.ok
    assert [r.line for r in result.rows] == [3, 6]


def test_line_numbers_count_the_lines_of_a_multiline_note() -> None:
    text = 'dni,estado,nota\n12345678,p,"dos\nlíneas\ny tres"\n99999999,p,\n'
    result = parse(text)
    assert codes(result) == [("unknown_dni", 5)]
    assert result.rows[0].note == "dos\nlíneas\ny tres"


def test_every_bad_row_is_reported_and_the_file_is_not_ok() -> None:
    text = (
        "dni,estado,nota\n"
        "12345678,p,\n"  # 2 fine
        "99999999,p,\n"  # 3 unknown
        "12345678,a,\n"  # 4 duplicate
        "1234,x,\n"  # 5 bad dni and bad status
        ",p,\n"  # 6 no dni
        "01234567,p,,extra\n"  # 7 extra cell
        "00123456\n"  # 8 too few cells
    )
    result = parse(text)
    assert not result.ok
    assert codes(result) == [
        ("unknown_dni", 3),
        ("duplicate_dni", 4),
        ("bad_dni", 5),
        ("unknown_status", 5),
        ("missing_dni", 6),
        ("wrong_cell_count", 7),
        ("wrong_cell_count", 8),
    ]
    assert [r.dni for r in result.rows] == ["12345678"]  # a preview; not to be applied


def test_known_learners_absent_from_the_file_are_listed() -> None:
    result = parse("dni,estado\n12345678,p\n")
    assert result.missing == ["00123456", "01234567", "23456789"]


def test_a_quoted_value_in_a_message_is_cut_short() -> None:
    result = parse("dni,estado\n12345678," + "z" * 500 + "\n")
    assert len(result.errors[0].params["value"]) == 40


# ---------------------------------------------------------------- messages


def test_every_issue_formats_with_its_template() -> None:
    samples = [
        "dni,estado,nota,x,\n12345678,p,,,\n",
        "dni,estado,nota,\n12345678,p,\n99999999,p,\n12345678,a,\n1234,x,\n,p,\n1,p,,,z\n"
        "00123456\n01234567,p," + "n" * 300 + "\n23456789,,\n23456789,p,,y\n",
        "dni,estado\n",
        "dni,nota,nota\n",
        'dni,estado,nota\n1,p,"' + "x" * 200_000 + '"\n',
    ]
    issues = [
        issue
        for text in samples
        for result in [parse(text)]
        for issue in result.errors + result.skipped
    ]
    issues += parse_roster(b"PK\x03\x04", known_dnis=KNOWN).errors
    issues += parse_roster(b"\x00", known_dnis=KNOWN).errors
    issues += parse_roster(b"\xff\xfe\x00\xd8", known_dnis=KNOWN).errors
    issues += parse_roster(b"x" * (MAX_BYTES + 1), known_dnis=KNOWN).errors
    issues += parse("dni,estado\n" + "1,p\n" * (MAX_ROWS + 1)).errors
    issues += parse_roster(roster_csv([RosterRow("12345678", "A", "B")]), known_dnis=KNOWN).errors
    assert {i.code for i in issues} == set(MESSAGES)
    for issue in issues:
        assert MESSAGES[issue.code] % issue.params


# ---------------------------------------------------------------- never a 500


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_parsing_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    result = parse_roster(data, known_dnis=KNOWN)
    for issue in result.errors + result.skipped:
        assert MESSAGES[issue.code] % issue.params


csv_ish = st.text(alphabet=st.sampled_from(list(",;\t\"'\r\n =+-pP01234567ñÑdniestado ")))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(csv_ish, st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_parsing_never_raises_on_csv_like_text(body: str, encoding: str) -> None:
    data = ("dni,estado,nota\n" + body).encode(encoding)
    result = parse_roster(data, known_dnis=KNOWN)
    assert result.ok == (not result.errors)
    for issue in result.errors + result.skipped:
        assert MESSAGES[issue.code] % issue.params
    for row in result.rows:
        assert row.dni in KNOWN


def test_control_characters_are_left_out_of_the_download() -> None:
    rows = cells_of(roster_csv([RosterRow("12345678", "Ana\x00\x07", "B\x1f", "present")]))
    assert rows[1][1:3] == ["Ana", "B"]


printable = st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from("\t\r\n")
cell_text = st.text(printable, max_size=30) | st.sampled_from(INJECTIONS)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(KNOWN)),
            cell_text,
            st.sampled_from(["present", "late", "absent", "excused"]),
            cell_text,
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_any_download_round_trips(
    learners: list[tuple[str, str, str, str]], delimiter: str
) -> None:
    rows = [RosterRow(dni, name, name, status, note) for dni, name, status, note in learners]
    result = parse_roster(roster_csv(rows, delimiter=delimiter), known_dnis=KNOWN)
    assert result.ok, result.errors
    assert [(r.dni, r.status) for r in result.rows] == [(d, s) for d, _, s, _ in learners]
    assert [(r.last_names, r.note) for r in result.rows] == [
        (name.strip(), note.strip()) for _, name, _, note in learners
    ]
