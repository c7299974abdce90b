"""The birth date in three boxes (day, month by name, year): what a person types, and what
they are told when it is not a date."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.conftest import valid_form_data
from yachay.intake.models import Application
from yachay.programs.models import Call

URL = "/convocatorias/2027-i/postular/"


def post(client: Client, day: Any, month: Any, year: Any) -> Any:
    data = valid_form_data(
        submission_key=str(uuid.uuid4()),
        birth_date_day=day,
        birth_date_month=month,
        birth_date_year=year,
    )
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def birth_errors(response: Any) -> list[str]:
    form = response.context["form"]
    assert set(form.errors) == {"birth_date"}, form.errors  # only the birth date is marked
    return list(form.errors["birth_date"])


def test_three_boxes_make_one_iso_birth_date(client: Client, call: Call) -> None:
    r = post(client, " 04 ", "5", "1990")
    assert r.status_code == 302
    assert Application.objects.get().birth_date == dt.date(1990, 5, 4)


def test_the_form_shows_day_month_names_and_year_with_their_labels_and_keyboards(
    client: Client, call: Call
) -> None:
    html = client.get(URL).content.decode()
    assert "<legend>Fecha de nacimiento</legend>" in html
    for label, part in (("Día", "0"), ("Mes", "1"), ("Año", "2")):
        assert f'<label for="id_birth_date_{part}">{label}</label>' in html
    assert 'name="birth_date_day" autocomplete="bday-day"' in html
    assert 'name="birth_date_year" autocomplete="bday-year"' in html
    assert html.count('inputmode="numeric"') >= 4  # DNI, RUC, day, year
    assert '<option value="2">febrero</option>' in html
    assert 'type="date"' not in html


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Escribe tu fecha de nacimiento: día, mes y año."),
        (None, None, None, "Escribe tu fecha de nacimiento: día, mes y año."),
        ("", "5", "1990", "Escribe el día en que naciste."),
        ("4", "", "1990", "Elige el mes en que naciste."),
        ("4", "5", "", "Escribe el año en que naciste."),
        ("cuatro", "5", "1990", "El día es un número del 1 al 31."),
        ("32", "5", "1990", "El día es un número del 1 al 31."),
        ("0", "5", "1990", "El día es un número del 1 al 31."),
        ("٤", "5", "1990", "El día es un número del 1 al 31."),  # an Arabic-Indic four
        ("4", "13", "1990", "Elige una de las opciones de la lista."),
        ("4", "mayo", "1990", "Elige una de las opciones de la lista."),
        ("4", "5", "90", "Escribe el año con cuatro cifras, como 1985."),
        ("4", "5", "mil", "Escribe el año con cuatro cifras, como 1985."),
        ("4\x01", "5", "1990", "El día es un número del 1 al 31."),  # a NUL: test_nul_bytes
        ("4", "5", "19\x0190", "Escribe el año con cuatro cifras, como 1985."),
        ("31", "2", "1990", "No existe el 31 de febrero de 1990: revisa el día y el mes."),
        ("29", "2", "1991", "No existe el 29 de febrero de 1991: revisa el día y el mes."),
        ("31", "4", "1990", "No existe el 31 de abril de 1990: revisa el día y el mes."),
        ("4", "5", "2999", "La fecha de nacimiento no puede estar en el futuro."),
    ],
)
def test_each_mistake_gets_its_own_message_and_keeps_what_was_typed(
    client: Client, call: Call, day: Any, month: Any, year: Any, message: str
) -> None:
    r = post(client, day, month, year)
    assert r.status_code == 422
    assert birth_errors(r) == [message]
    html = r.content.decode()
    # The message is next to the field and in the summary at the top, linked to the field.
    assert f'<p class="err" id="id_birth_date_error">{message}</p>' in html
    assert f'<a href="#f-birth_date"><b>Fecha de nacimiento:</b> {message}</a>' in html
    # What was typed comes back as typed (a NUL is dropped by Django's input, not by us).
    if day and "\x00" not in day:
        assert f'value="{day}"' in html
    if year and "\x00" not in year:
        assert f'value="{year}"' in html
    if month in {str(n) for n in range(1, 13)}:
        assert f'<option value="{month}" selected>' in html
    assert Application.objects.count() == 0


def test_two_parts_missing_are_both_named(client: Client, call: Call) -> None:
    r = post(client, "4", "", "")
    assert birth_errors(r) == ["Elige el mes en que naciste.", "Escribe el año en que naciste."]


def test_a_year_before_1900_is_refused_with_the_range(client: Client, call: Call) -> None:
    r = post(client, "4", "5", "1800")
    this_year = timezone.localdate().year
    assert birth_errors(r) == [f"Revisa el año: escribe uno entre 1900 y {this_year}."]


def test_29_february_of_a_leap_year_is_a_date(client: Client, call: Call) -> None:
    assert post(client, "29", "2", "1988").status_code == 302
    assert Application.objects.get().birth_date == dt.date(1988, 2, 29)


def test_the_age_rule_still_speaks_of_the_call(client: Client, call: Call) -> None:
    r = post(client, "1", "1", "1901")
    [message] = birth_errors(r)
    assert message.startswith("Esta convocatoria es para personas de 18 a 70 años")


def test_without_javascript_updating_the_place_lists_keeps_the_birth_date(
    client: Client, call: Call
) -> None:
    data = valid_form_data(submission_key=str(uuid.uuid4()), update_places="1")
    data |= {"birth_date_day": "31", "birth_date_month": "2", "birth_date_year": "19"}
    r = client.post(URL, data)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'value="31"' in html and 'value="19"' in html
    assert '<option value="2" selected>' in html
    assert 'class="err"' not in html  # no judgement before the person sends
