"""The site's date and percentage filters, loaded in every template (settings: builtins).

``{{ s.starts_at|day_time }}`` → "martes 1 de diciembre, 9:00";
``{{ c.starts_on|date_range:c.ends_on }}`` → "1 dic.–12 ene. 2027";
``{{ attempt.score_percent|percent }}`` → "66,7 %". See :mod:`yachay.core.dates` and
:mod:`yachay.core.numbers`.
"""

from __future__ import annotations

from typing import Any

from django import template

from yachay.core import dates, numbers

register = template.Library()

register.filter("day", dates.day)
register.filter("day_time", dates.day_time)
register.filter("long_date", dates.long_date)
register.filter("short_day", dates.short_day)
register.filter("hm", dates.hm)
register.filter("grouped", numbers.grouped)


@register.filter("date_range")
def date_range(start: Any, end: Any) -> str:
    return dates.date_range(start, end)


@register.filter("percent")
def percent(value: Any) -> str:
    return numbers.format_percent(value)
