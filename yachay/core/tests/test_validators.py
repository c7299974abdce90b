import pytest
from django.core.exceptions import ValidationError
from stdnum.pe import cui, ruc

from yachay.core import validators as v


def test_it_keeps_a_dni_with_leading_zeros_as_a_string() -> None:
    assert v.clean_dni("00412345") == "00412345"
    assert v.clean_dni(" 0041 2345 ") == "00412345"


@pytest.mark.parametrize("bad", ["1234567", "123456789", "1234567A", "١٢٣٤٥٦٧٨", "", "12.34.56"])
def test_it_rejects_a_dni_that_is_not_eight_ascii_digits(bad: str) -> None:
    with pytest.raises(ValidationError):
        v.clean_dni(bad)


def test_it_accepts_the_right_dni_check_character_as_digit_or_letter() -> None:
    digit, letter = tuple(cui.calc_check_digits("45678912"))
    assert v.clean_dni_check("45678912", digit) == digit
    assert v.clean_dni_check("45678912", letter.lower()) == letter
    assert v.clean_dni_check("45678912", "") == ""


def test_it_rejects_a_wrong_dni_check_character() -> None:
    digit = cui.calc_check_digits("45678912")[0]
    wrong = next(c for c in "0123456789" if c != digit)
    with pytest.raises(ValidationError, match=r"no coincide|does not match"):
        v.clean_dni_check("45678912", wrong)
    with pytest.raises(ValidationError):
        v.clean_dni_check("45678912", "AB")


def test_it_accepts_a_valid_ruc_with_each_prefix() -> None:
    for prefix in ("10", "15", "16", "17", "20"):
        body = prefix + "45678912"[:8]
        number = body + ruc.calc_check_digit(body)
        assert v.clean_ruc(number) == number
    assert v.clean_ruc("20-10007097-0") == "20100070970"


def test_it_rejects_a_ruc_with_a_wrong_check_digit() -> None:
    with pytest.raises(ValidationError, match=r"verificador|check digit"):
        v.clean_ruc("20100070971")


def test_it_rejects_a_ruc_with_a_wrong_prefix() -> None:
    body = "3010007097"
    with pytest.raises(ValidationError, match="10, 15, 16, 17"):
        v.clean_ruc(body + ruc.calc_check_digit(body))


@pytest.mark.parametrize("bad", ["2010007097", "201000709700", "2010007097X", ""])
def test_it_rejects_a_ruc_of_the_wrong_shape(bad: str) -> None:
    with pytest.raises(ValidationError):
        v.clean_ruc(bad)


@pytest.mark.parametrize(
    "raw",
    [
        "987654321",
        "987 654 321",
        "987-654-321",
        "+51 987 654 321",
        "+51987654321",
        "(+51) 987-654-321",
    ],
)
def test_it_stores_a_peruvian_mobile_in_e164(raw: str) -> None:
    assert v.clean_mobile(raw) == "+51987654321"


@pytest.mark.parametrize(
    "bad",
    [
        "014567890",
        "+1 202 555 0143",
        "98765432",
        "9876543210",
        "abc",
        "",
        "+51 1 4567890",
        "9" * 40,
    ],
)
def test_it_rejects_what_is_not_a_peruvian_mobile(bad: str) -> None:
    with pytest.raises(ValidationError):
        v.clean_mobile(bad)


@pytest.mark.parametrize(
    "name", ["Illari", "Ch'aska", "María José", "Núñez", "Ñahui", "Huamán-Ccori", "Urpi Killa"]
)
def test_it_accepts_names_with_tildes_enye_and_quechua_apostrophes(name: str) -> None:
    assert v.clean_person_name(name) == name


@pytest.mark.parametrize(
    "bad", ["<script>alert(1)</script>", "Robert'); DROP TABLE", "Ana1", "@@", "Ana\x00Luz"]
)
def test_it_rejects_markup_digits_symbols_and_control_characters_in_names(bad: str) -> None:
    with pytest.raises(ValidationError):
        v.clean_person_name(bad)


def test_it_rejects_an_overlong_name_and_says_how_long_it_was() -> None:
    with pytest.raises(ValidationError) as exc:
        v.clean_person_name("A" * 10_000)
    assert "10000" in str(exc.value)


def test_it_collapses_whitespace_and_normalises_unicode() -> None:
    assert v.clean_person_name("  Nu\u0301n\u0303ez   Peña ") == "Núñez Peña"


@pytest.mark.parametrize("code", ["08", "0801", "080101", "150101", "070101"])
def test_it_accepts_existing_ubigeo_codes(code: str) -> None:
    assert v.clean_ubigeo(code) == code


@pytest.mark.parametrize("bad", ["99", "0899", "089999", "8", "08010", "abcdef", ""])
def test_it_rejects_ubigeo_codes_that_do_not_exist(bad: str) -> None:
    with pytest.raises(ValidationError):
        v.clean_ubigeo(bad)


def test_a_text_area_line_break_as_browsers_send_it_is_whitespace() -> None:
    # Browsers send a text area's line break as \r\n: it is not an invisible control character.
    assert v.clean_text("Intérprete\r\n\tde señas\r\n", max_length=50) == "Intérprete de señas"


@pytest.mark.parametrize("bad", ["a\x00b", "a\x01b", "a\x1bb", "a\x7fb", "a\u202eb"])
def test_clean_text_refuses_control_characters_that_mean_nothing(bad: str) -> None:
    with pytest.raises(ValidationError):
        v.clean_text(bad, max_length=50)
