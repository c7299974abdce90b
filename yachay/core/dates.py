"""Dates and times in words, one style for the whole site (templates, emails, messages).

Spanish (the default): "martes 1 de diciembre", "martes 1 de diciembre, 9:00",
"1 de diciembre de 2026", ranges "1 dic.–12 ene. 2027" (month abbreviations in lower case,
with a full stop); Peruvian usage, so September is "setiembre" ("set."). English:
"Tuesday 1 December", "Tuesday 1 December, 9:00", "1 December 2026", "1 Dec–12 Jan 2027".

A weekday-and-day form ("martes 1 de diciembre") names the year only when it is not the
current one (in Lima), so a date next year is never mistaken for one this year. Aware
datetimes are shown in the site's time zone (America/Lima). The same functions are the
template filters ``day``, ``day_time``, ``long_date``, ``short_day``, ``hm`` and
``date_range`` (:mod:`yachay.core.templatetags.yachay_dates`, loaded in every template).
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone, translation
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS

__all__ = ["add_months", "age_on", "date_range", "day", "day_time", "hm", "long_date", "short_day"]

DASH = "\N{EN DASH}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), the month's last day when it has fewer."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on ``day`` (a 29 February birthday turns over on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _spanish() -> bool:
    return (translation.get_language() or "es").split("-")[0] == "es"


def _local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _today() -> dt.date:
    return timezone.localdate()


def _month(month: int) -> str:
    if _spanish() and month == 9:
        return "setiembre"  # the Peruvian form (Diario Oficial El Peruano)
    return str(MONTHS[month])


def _month_short(month: int) -> str:
    if _spanish():
        return "set." if month == 9 else f"{MONTHS_3[month]}."
    return str(MONTHS_3[month]).capitalize()


def long_date(value: dt.date | dt.datetime | None) -> str:
    """ "1 de diciembre de 2026" / "1 December 2026"."""
    if value is None:
        return ""
    d = _local(value)
    if _spanish():
        return f"{d.day} de {_month(d.month)} de {d.year}"
    return f"{d.day} {_month(d.month)} {d.year}"


def day(value: dt.date | dt.datetime | None) -> str:
    """ "martes 1 de diciembre" / "Tuesday 1 December"; the year too when not this year."""
    if value is None:
        return ""
    d = _local(value)
    weekday = str(WEEKDAYS[d.weekday()])
    same_year = d.year == _today().year
    if _spanish():
        text = f"{weekday.lower()} {d.day} de {_month(d.month)}"
        return text if same_year else f"{text} de {d.year}"
    text = f"{weekday.capitalize()} {d.day} {_month(d.month)}"
    return text if same_year else f"{text} {d.year}"


def hm(value: dt.datetime | dt.time | None) -> str:
    """ "9:00", "14:30" (24-hour clock, as Peru writes it)."""
    if value is None:
        return ""
    t = (
        timezone.localtime(value)
        if isinstance(value, dt.datetime) and timezone.is_aware(value)
        else value
    )
    return f"{t.hour}:{t.minute:02d}"


def day_time(value: dt.datetime | None) -> str:
    """ "martes 1 de diciembre, 9:00" / "Tuesday 1 December, 9:00"."""
    if value is None:
        return ""
    return f"{day(value)}, {hm(value)}"


def short_day(value: dt.date | dt.datetime | None) -> str:
    """ "1 dic." / "1 Dec": a day in a table column or a list of sessions."""
    if value is None:
        return ""
    d = _local(value)
    return f"{d.day} {_month_short(d.month)}"


def date_range(start: dt.date | dt.datetime | None, end: dt.date | dt.datetime | None) -> str:
    """ "1–12 dic. 2026", "3 nov.–12 dic. 2026", "1 dic.–12 ene. 2027"; the start's year is
    written too when the range lasts a year or more ("1 dic. 2026–1 dic. 2027")."""
    if start is None or end is None:
        return short_day(start or end) if (start or end) else ""
    a, b = _local(start), _local(end)
    a_date = a.date() if isinstance(a, dt.datetime) else a
    b_date = b.date() if isinstance(b, dt.datetime) else b
    year = str(b.year)
    if a_date == b_date:
        return f"{short_day(b)} {year}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}{DASH}{b.day} {_month_short(b.month)} {year}"
    first = short_day(a)
    if (b_date - a_date).days >= 365:
        first = f"{first} {a.year}"
    return f"{first}{DASH}{short_day(b)} {year}"
