"""Template filters of the reports: a rate (0..1, or None when nobody was there) as a
percentage in words, a stage's name."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import pgettext

from yachay.core.numbers import format_percent, grouped, percent
from yachay.reports.selectors import STAGE_LABELS

register = template.Library()


@register.filter("rate")
def rate(value: Any) -> str:
    """0.5 -> "50 %"; None -> "—" (nobody at the stage before)."""
    if value is None:
        return pgettext("no rate: nobody to convert", "—")
    return format_percent(percent(value, 1))


@register.filter("stage_label")
def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


@register.filter("get")
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter("get_share")
def get_share(row: Any, stage: str) -> float | None:
    """The share of those who applied that reached ``stage``."""
    return row.share_of_applied(stage)


@register.filter("measure")
def measure(row: Any, name: str) -> str:
    """A funnel row's value for a map measure: a stage's count, or ``rate_<stage>``."""
    if name.startswith("rate_"):
        return rate(row.rate(name.removeprefix("rate_")))
    return grouped(row.counts.get(name, 0))


@register.filter("share_of")
def share_of(count: Any, whole: Any) -> str:
    """A count's share of a whole as a percentage ("—" when either is hidden or zero)."""
    if count is None or not whole:
        return pgettext("no rate: nobody to convert", "—")
    return format_percent(percent(count / whole, 1))


@register.filter("decimal")
def decimal(value: Any) -> str:
    """A mean or a median: whole above 100 (grouped), else one decimal with a comma."""
    if value is None:
        return "—"
    if abs(value) >= 100:
        return grouped(round(value))
    return f"{value:.1f}".replace(".", ",")
