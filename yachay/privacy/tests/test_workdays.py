"""Business days in Peru: the clock of the legal deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yachay.core.workdays import (
    add_business_days,
    business_days_between,
    peru_add_business_days,
    peru_is_holiday,
)


def no_holidays(day: dt.date) -> bool:
    return False


def test_a_term_counts_from_the_next_day_and_skips_weekends() -> None:
    friday = dt.date(2026, 12, 4)
    assert add_business_days(friday, 1, no_holidays) == dt.date(2026, 12, 7)  # Monday
    assert add_business_days(friday, 5, no_holidays) == dt.date(2026, 12, 11)
    assert add_business_days(friday, 0, no_holidays) == friday


def test_a_term_skips_the_holidays_it_is_given() -> None:
    monday = dt.date(2026, 12, 7)
    tuesday = dt.date(2026, 12, 8)
    assert add_business_days(monday, 1, lambda d: d == tuesday) == dt.date(2026, 12, 9)


def test_perus_calendar_knows_its_national_holidays() -> None:
    assert peru_is_holiday(dt.date(2026, 7, 28))  # Fiestas Patrias
    assert peru_is_holiday(dt.date(2026, 12, 8))  # Inmaculada Concepción
    assert peru_is_holiday(dt.date(2026, 12, 9))  # Batalla de Ayacucho
    assert not peru_is_holiday(dt.date(2026, 12, 10))


def test_ten_business_days_in_december_skip_the_holidays() -> None:
    # From Friday 4 Dec 2026: Mon 7, (8 and 9 holidays), 10, 11, 14, 15, 16, 17, 18, 21, 22.
    assert peru_add_business_days(dt.date(2026, 12, 4), 10) == dt.date(2026, 12, 22)


def test_decreed_non_working_days_from_settings_count_as_holidays(settings: Any) -> None:
    settings.YACHAY_EXTRA_NON_WORKING_DAYS = frozenset({dt.date(2026, 12, 10)})
    assert peru_add_business_days(dt.date(2026, 12, 7), 1) == dt.date(2026, 12, 11)


def test_days_between_is_negative_when_late() -> None:
    due = dt.date(2026, 12, 7)
    assert business_days_between(due, dt.date(2026, 12, 10), no_holidays) == 3
    assert business_days_between(dt.date(2026, 12, 10), due, no_holidays) == -3
