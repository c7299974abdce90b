"""The dimensions a report breaks people down by, each as a SQL expression over an
``Application`` and a label for each of its values.

- ``department``: the regions the targets and the program office speak of: the 25
  departments, with Lima split into **Lima Metropolitana** (the province of Lima, ubigeo
  1501, key ``15M``) and **Lima Provincias** (the rest of the department, key ``15P``);
  Callao is ``07``. Every other key is the INEI department code (``08`` Cusco).
- ``gender``, ``segment``, ``modality`` (the preferred modality the applicant declared):
  the stored codes of ``core.choices``.
- ``age_band``: the age on the day the call closes (the day eligibility counts it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Case, CharField, F, Value, When
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yachay.core import ubigeo
from yachay.core.choices import Gender, Modality, Segment

LIMA_METROPOLITANA = "15M"
LIMA_PROVINCIAS = "15P"

DIMENSIONS: dict[str, Any] = {
    "department": _("department"),
    "gender": _("gender"),
    "segment": _("segment"),
    "age_band": _("age band"),
    "modality": _("modality"),
}

# (key, lowest age, highest age or None), youngest first.
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("under_18", 0, 17),
    ("18_24", 18, 24),
    ("25_34", 25, 34),
    ("35_44", 35, 44),
    ("45_54", 45, 54),
    ("55_64", 55, 64),
    ("65_plus", 65, None),
]


def regions() -> dict[str, str]:
    """Region key -> name, in INEI order, Lima split in two (26 regions)."""
    out: dict[str, str] = {}
    for code, name in sorted(ubigeo.places().departments.items()):
        if code == "15":
            out[LIMA_METROPOLITANA] = str(_("Lima Metropolitana"))
            out[LIMA_PROVINCIAS] = str(_("Lima Provincias"))
        else:
            out[code] = name
    return out


def region_of(ubigeo_code: str) -> str:
    """The region key of a 6-digit (or 4-digit) ubigeo."""
    if ubigeo_code.startswith("1501"):
        return LIMA_METROPOLITANA
    if ubigeo_code.startswith("15"):
        return LIMA_PROVINCIAS
    return ubigeo_code[:2]


def region_department(key: str) -> str:
    """The INEI department code a region key belongs to (``15M`` -> ``15``)."""
    return key[:2]


def age_band_label(key: str) -> str:
    for band, lo, hi in AGE_BANDS:
        if band == key:
            if lo == 0:
                return str(_("under 18"))
            if hi is None:
                return str(_("%(n)d and over") % {"n": lo})
            return f"{lo}\u2013{hi}"
    return key


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band_expression(on: dt.date, prefix: str = "") -> Case:
    """The age band of ``birth_date`` on the day ``on``, in SQL."""
    whens = []
    for band, _lo, hi in AGE_BANDS:
        if hi is None:
            break
        # Younger than hi + 1 on `on` <=> born after `on` minus (hi + 1) years.
        whens.append(
            When(**{f"{prefix}birth_date__gt": _years_before(on, hi + 1)}, then=Value(band))
        )
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def region_expression(prefix: str = "") -> Case:
    return Case(
        When(**{f"{prefix}ubigeo__startswith": "1501"}, then=Value(LIMA_METROPOLITANA)),
        When(**{f"{prefix}department": "15"}, then=Value(LIMA_PROVINCIAS)),
        default=F(f"{prefix}department"),
        output_field=CharField(),
    )


def expression(by: str, *, on: dt.date, prefix: str = "") -> Combinable:
    """The SQL expression of dimension ``by`` (ValueError for an unknown one)."""
    if by == "department":
        return region_expression(prefix)
    if by == "age_band":
        return age_band_expression(on, prefix)
    if by in ("gender", "segment", "modality"):
        return F(f"{prefix}{by}")
    raise ValueError(f"unknown dimension {by!r}")


def values(by: str) -> dict[str, str]:
    """Every value of dimension ``by`` with its label, in the order reports list them."""
    table: dict[str, Callable[[], dict[str, str]]] = {
        "department": regions,
        "gender": lambda: {k: str(v) for k, v in Gender.choices},
        "segment": lambda: {k: str(v) for k, v in Segment.choices},
        "modality": lambda: {k: str(v) for k, v in Modality.choices},
        "age_band": lambda: {band: age_band_label(band) for band, _lo, _hi in AGE_BANDS},
    }
    if by not in table:
        raise ValueError(f"unknown dimension {by!r}")
    return table[by]()


def label(by: str, key: str) -> str:
    return values(by).get(key, key or str(pgettext_lazy("a missing value", "unknown")))
