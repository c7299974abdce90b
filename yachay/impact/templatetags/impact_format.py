"""Numbers of the impact report in words a reader can take in: shares as percentages
(differences of shares in percentage points), money and counts grouped, the rest with
as many decimals as their size needs."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from yachay.core.numbers import format_percent

register = template.Library()

#: Variables that are shares (0..1): shown as percentages.
SHARES = frozenset({"uses_ai", "woman", "outside_lima", "woman_led", "sme_owner"})


def _plain(value: float) -> str:
    size = abs(value)
    places = 0 if size >= 100 else 1 if size >= 10 else 2
    return formats.number_format(
        round(value, places), decimal_pos=places, use_l10n=True, force_grouping=size >= 1000
    )


@register.filter("level")
def level(value: Any, key: str = "") -> str:
    """A mean: "45,2 %" for a share, "1 234" for soles, "3,41" for a scale."""
    if value is None:
        return "—"
    if key in SHARES:
        return format_percent(float(value) * 100)
    return _plain(float(value))


@register.filter("diff")
def diff(value: Any, key: str = "") -> str:
    """A difference: "+4,1 pp" for shares, "+120" otherwise (signed)."""
    if value is None:
        return "—"
    v = float(value)
    sign = "+" if v > 0 else "−" if v < 0 else ""
    if key in SHARES:
        text = formats.number_format(round(abs(v) * 100, 1), decimal_pos=1, use_l10n=True)
        return _("%(sign)s%(value)s pp") % {"sign": sign, "value": text}
    return sign + _plain(abs(v))


@register.filter("std")
def std(value: Any) -> str:
    if value is None:
        return "—"
    v = round(float(value), 2) + 0.0  # no "-0,00"
    text = formats.number_format(abs(v), decimal_pos=2, use_l10n=True)
    return f"−{text}" if v < 0 else text  # the minus sign the effects tables use


@register.filter("rate_of")
def rate_of(value: Any) -> str:
    return "—" if value is None else format_percent(float(value) * 100)


@register.filter("get")
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None
