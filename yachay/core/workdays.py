"""Business days in Peru: legal deadlines counted in working days (días hábiles).

A business day is a Monday to Friday that is not a national holiday. Holidays come from the
``holidays`` package (its Peru calendar, which follows the laws that fix them and adds the
ones a year's law adds); a deployment can add non-working days the government decrees
(``YACHAY_EXTRA_NON_WORKING_DAYS``), which no calendar knows in advance.

The counting itself is pure (``add_business_days``, ``business_days_between``): it takes a
predicate and is tested without the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings

IsHoliday = Callable[[dt.date], bool]


def is_business_day(day: dt.date, is_holiday: IsHoliday) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_business_days(start: dt.date, days: int, is_holiday: IsHoliday) -> dt.date:
    """The ``days``-th business day after ``start`` (``start`` itself is not counted: a term
    runs from the day after the request). ``days`` of 0 gives ``start``."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = start
    left = days
    while left:
        day += dt.timedelta(days=1)
        if is_business_day(day, is_holiday):
            left -= 1
    return day


def business_days_between(start: dt.date, end: dt.date, is_holiday: IsHoliday) -> int:
    """Business days after ``start`` up to and including ``end``; negative when ``end`` is
    before ``start`` (so "3 business days late" is ``-3`` from the deadline to today)."""
    if end < start:
        return -business_days_between(end, start, is_holiday)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_business_day(day, is_holiday):
            count += 1
    return count


@lru_cache(maxsize=8)
def _peru_calendar(years: tuple[int, ...]) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("PE", years=list(years)).keys())


def peru_is_holiday(day: dt.date) -> bool:
    """Peru's national holidays plus the decreed non-working days in settings."""
    extra = getattr(settings, "YACHAY_EXTRA_NON_WORKING_DAYS", ())
    if day in extra:
        return True
    return day in _peru_calendar((day.year,))


def peru_add_business_days(start: dt.date, days: int) -> dt.date:
    return add_business_days(start, days, peru_is_holiday)


def peru_business_days_between(start: dt.date, end: dt.date) -> int:
    return business_days_between(start, end, peru_is_holiday)
