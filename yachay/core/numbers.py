"""Percentages, computed and written one way everywhere.

:func:`percent` rounds to one decimal, half up (4 of 6 is 66.7, 1 of 3 is 33.3), except that a
value below a whole number is never rounded up to it (69.96 is 69.9, not 70.0; 99.96 is 99.9,
not 100): pass marks and targets are whole numbers, so a shown score reaches one exactly when
the true score does, and "100 %" always means everything.

:func:`format_percent` writes it in the active language: "66,7 %" in Spanish, "66.7 %" in
English, "50 %" without a useless ",0".
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils import formats

__all__ = ["format_percent", "grouped", "percent"]

_TENTH = Decimal("0.1")


def percent(part: int | float | Decimal, whole: int | float | Decimal) -> Decimal:
    """``part`` of ``whole`` in percent, one decimal (see the module); 0 when ``whole`` is 0."""
    if not whole:
        return Decimal("0.0")
    exact = Decimal(str(part)) * 100 / Decimal(str(whole))
    rounded = exact.quantize(_TENTH, rounding=ROUND_HALF_UP)
    if rounded > exact and rounded == rounded.to_integral_value():
        rounded = exact.quantize(_TENTH, rounding=ROUND_FLOOR)
    return rounded


def format_percent(value: int | float | Decimal | str | None) -> str:
    """ "66,7 %" / "66.7 %" / "50 %"; empty for None or something that is not a number."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_UP)
    except ArithmeticError:
        return ""
    if number == number.to_integral_value():
        text = formats.number_format(int(number))
    else:
        text = formats.number_format(number, decimal_pos=1)
    return f"{text} %"


def grouped(value: object) -> str:
    """Thousands grouped in the active language's style ("20 000" in Spanish, "20,000" in
    English) even though the project keeps ``USE_THOUSAND_SEPARATOR`` off (it would also group
    ids in links and form values). Django's Spanish format separates thousands with a
    non-breaking space, as the RAE and the SI recommend, so a number never breaks across two
    lines."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return formats.number_format(value, use_l10n=True, force_grouping=True)
