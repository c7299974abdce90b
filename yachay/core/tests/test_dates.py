"""Dates and percentages in one style, Spanish and English."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.template import Context, Template
from django.utils import translation

from yachay.core import dates, numbers

LIMA = dt.timezone(dt.timedelta(hours=-5))
TUESDAY = dt.datetime(2026, 12, 1, 9, 5, tzinfo=LIMA)


@pytest.fixture(autouse=True)
def this_year_is_2026() -> object:
    with mock.patch.object(dates, "_today", return_value=dt.date(2026, 11, 20)):
        yield


def test_spanish_dates_say_weekday_day_de_month_in_lower_case() -> None:
    with translation.override("es"):
        assert dates.day(TUESDAY) == "martes 1 de diciembre"
        assert dates.day_time(TUESDAY) == "martes 1 de diciembre, 9:05"
        assert dates.long_date(TUESDAY) == "1 de diciembre de 2026"
        assert dates.short_day(TUESDAY) == "1 dic."
        assert dates.day(dt.date(2027, 1, 12)) == "martes 12 de enero de 2027"
        assert dates.long_date(dt.date(2026, 9, 3)) == "3 de setiembre de 2026"


def test_english_pages_get_english_dates() -> None:
    with translation.override("en"):
        assert dates.day(TUESDAY) == "Tuesday 1 December"
        assert dates.day_time(TUESDAY) == "Tuesday 1 December, 9:05"
        assert dates.long_date(TUESDAY) == "1 December 2026"
        assert dates.date_range(dt.date(2026, 12, 1), dt.date(2027, 1, 12)) == "1 Dec–12 Jan 2027"


def test_an_aware_time_is_shown_in_lima() -> None:
    utc = dt.datetime(2026, 12, 2, 2, 30, tzinfo=dt.UTC)  # 21:30 on the 1st in Lima
    with translation.override("es"):
        assert dates.day_time(utc) == "martes 1 de diciembre, 21:30"


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (dt.date(2026, 12, 1), dt.date(2027, 1, 12), "1 dic.–12 ene. 2027"),
        (dt.date(2026, 11, 3), dt.date(2026, 12, 12), "3 nov.–12 dic. 2026"),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 12), "1–12 dic. 2026"),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 1), "1 dic. 2026"),
        (dt.date(2026, 9, 1), dt.date(2027, 9, 1), "1 set. 2026–1 set. 2027"),
    ],
)
def test_ranges_use_lower_case_abbreviations_and_the_year_once(
    start: dt.date, end: dt.date, text: str
) -> None:
    with translation.override("es"):
        assert dates.date_range(start, end) == text


def test_the_filters_work_in_every_template_without_loading_them() -> None:
    template = Template("{{ d|day_time }} · {{ a|date_range:b }} · {{ p|percent }}")
    context = Context(
        {"d": TUESDAY, "a": dt.date(2026, 12, 1), "b": dt.date(2027, 1, 12), "p": Decimal("66.7")}
    )
    with translation.override("es"):
        assert (
            template.render(context) == "martes 1 de diciembre, 9:05 · 1 dic.–12 ene. 2027 · 66,7 %"
        )
    with translation.override("en"):
        assert template.render(context) == "Tuesday 1 December, 9:05 · 1 Dec–12 Jan 2027 · 66.7 %"


@pytest.mark.parametrize(
    ("part", "whole", "value"),
    [
        (4, 6, "66.7"),
        (1, 3, "33.3"),
        (2, 7, "28.6"),
        (1, 2, "50.0"),
        (6, 6, "100.0"),
        (6999, 7000, "99.9"),  # 99.986: never rounded up to 100
        (13991, 20000, "69.9"),  # 69.955: never rounded up to a whole mark it missed
        (0, 0, "0.0"),
    ],
)
def test_percentages_round_to_a_tenth_but_never_up_to_a_whole_number(
    part: int, whole: int, value: str
) -> None:
    assert numbers.percent(part, whole) == Decimal(value)


def test_percentages_are_written_in_the_pages_language() -> None:
    with translation.override("es"):
        assert numbers.format_percent(numbers.percent(4, 6)) == "66,7 %"
        assert numbers.format_percent(Decimal("50.0")) == "50 %"
        assert numbers.format_percent(70) == "70 %"
    with translation.override("en"):
        assert numbers.format_percent(numbers.percent(4, 6)) == "66.7 %"
    assert numbers.format_percent(None) == "" and numbers.format_percent("x") == ""
