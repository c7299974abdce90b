"""The public aggregates: what the transparency page and its open data publish.

Counted by the reports' own funnel (:func:`yachay.reports.selectors.funnel`, with
``Scope.everything()``), so the public numbers and the program's home never disagree on
what a stage means; then every table goes through :mod:`yachay.core.suppression`:

* **the funnel**: each stage's total, for every call that has opened; a total of 1..k−1 is
  hidden (stages are nested, not parts of a sum, so each stands alone);
* **breakdowns**: for the stages of ``PUBLIC_STAGES``, the people at that stage by
  department (26 regions: Lima Metropolitana and Lima Provincias apart), gender, segment
  and age band; each (dimension, stage) column is a one-way table whose total is the
  funnel's stage total, kept published whenever the funnel publishes it (``keep_total``),
  so the same number reads the same in every table.

:func:`compute` returns a language-neutral snapshot (keys, never labels; ``None`` where a
count is hidden) that ``services.public_snapshot_refresh`` stores; :func:`rows` and
:func:`document` turn a stored snapshot into the open-data CSV rows and JSON document, with
labels in Spanish and English.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from yachay.core.suppression import suppress_breakdown
from yachay.programs.models import Call
from yachay.reports import dimensions
from yachay.reports.selectors import BASE, STAGE_LABELS, STAGES, Scope, funnel

FORMAT_VERSION = 1
#: The stages broken down by dimension on the page and in the open data.
PUBLIC_STAGES: tuple[str, ...] = ("applied", "admitted", "placed", "completed", "certified")
#: The dimensions published, in the page's order.
PUBLIC_DIMENSIONS: tuple[str, ...] = ("department", "gender", "segment", "age_band")
#: At most this many calls (the newest that have opened) are published.
MAX_CALLS = 10
LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

#: The open-data CSV: one row per published or hidden number.
CSV_HEADER: tuple[str, ...] = (
    "call",
    "table",
    "dimension",
    "key",
    "label_es",
    "label_en",
    "stage",
    "count",
    "suppressed",
    "computed_at",
)

#: The data dictionary: every column of the CSV (and field of the JSON's rows), in words.
DICTIONARY: tuple[tuple[str, Any], ...] = (
    ("call", _("The call (convocatoria) the numbers are about: its stable short name.")),
    (
        "table",
        _(
            "funnel: the people at each stage of the call; breakdown: the people at one stage "
            "broken down by one dimension."
        ),
    ),
    (
        "dimension",
        _(
            "department (26 regions: the 24 departments, Callao, and Lima split into Lima "
            "Metropolitana and Lima Provincias), gender, segment or age_band (age on the day "
            "the call closed); empty in the funnel and on a breakdown's total row."
        ),
    ),
    (
        "key",
        _(
            "The value's stable code: the INEI department code (08 Cusco; 15M Lima "
            "Metropolitana, 15P Lima Provincias), or the gender, segment or age band code; "
            "'total' on a breakdown's total row."
        ),
    ),
    ("label_es", _("The value in Spanish.")),
    ("label_en", _("The value in English.")),
    (
        "stage",
        _(
            "applied, eligible, admitted, accepted, placed (in a cohort), active (did "
            "something in the last 14 days), completed, certified."
        ),
    ),
    (
        "count",
        _("The number of people; empty when it is suppressed (see the rule)."),
    ),
    ("suppressed", _("true when the count is hidden to protect the people in it.")),
    ("computed_at", _("When the numbers were counted (ISO 8601, with the time zone).")),
)


def public_calls(now: dt.datetime) -> list[Call]:
    """The calls whose numbers are published: those that have opened, newest first."""
    return list(
        Call.objects.filter(opens_at__lte=now)
        .select_related("program")
        .order_by("-opens_at", "-pk")[:MAX_CALLS]
    )


def _call_aggregates(call: Call, *, now: dt.datetime, k: int) -> dict[str, Any]:
    scope = Scope.everything()
    whole = funnel(call, scope=scope, weekly=False, now=now)
    shown_totals: dict[str, int | None] = {
        s: (None if 0 < whole.total.counts[s] < k else whole.total.counts[s]) for s in STAGES
    }
    tables: dict[str, Any] = {}
    for by in PUBLIC_DIMENSIONS:
        split = funnel(call, scope=scope, by=by, weekly=False, now=now)
        columns: dict[str, Any] = {}
        for stage in PUBLIC_STAGES:
            counts = [row.counts[stage] for row in split.rows]
            published = suppress_breakdown(counts, k=k, keep_total=shown_totals[stage] is not None)
            columns[stage] = published
        tables[by] = {
            "rows": [
                {
                    "key": row.key,
                    "counts": {s: columns[s].cells[i] for s in PUBLIC_STAGES},
                }
                for i, row in enumerate(split.rows)
            ],
            "total": {s: columns[s].total for s in PUBLIC_STAGES},
        }
    return {
        "slug": call.slug,
        "title": call.title,
        "program": call.program.name,
        "opens_at": call.opens_at.isoformat(),
        "closes_at": call.closes_at.isoformat(),
        "seats": call.seats,
        "funnel": shown_totals,
        "tables": tables,
    }


def compute(*, now: dt.datetime | None = None, k: int | None = None) -> dict[str, Any]:
    """The snapshot to publish now: every public call's funnel and breakdowns, suppressed.
    Fixed queries per call (the funnel's total, and two per dimension)."""
    now = now or timezone.now()
    k = settings.YACHAY_SMALL_CELL_K if k is None else k
    return {
        "format": FORMAT_VERSION,
        "computed_at": now.isoformat(),
        "k": k,
        "calls": [_call_aggregates(call, now=now, k=k) for call in public_calls(now)],
    }


def digest(data: dict[str, Any]) -> str:
    """A stable fingerprint of a snapshot (the open data's ETag)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _labels(by: str, key: str) -> tuple[str, str]:
    out = []
    for language in ("es", "en"):
        with translation.override(language):
            out.append(dimensions.label(by, key))
    return out[0], out[1]


def stage_labels() -> dict[str, str]:
    return {s: str(STAGE_LABELS[s]) for s in STAGES}


def rows(data: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The snapshot as the open-data CSV's rows (``CSV_HEADER``), in a stable order."""
    at = data["computed_at"]
    for call in data["calls"]:
        for stage in STAGES:
            n = call["funnel"].get(stage)
            yield (call["slug"], "funnel", "", "", "", "", stage, n, n is None, at)
        for by in PUBLIC_DIMENSIONS:
            table = call["tables"][by]
            for row in table["rows"]:
                es, en = _labels(by, row["key"])
                for stage in PUBLIC_STAGES:
                    n = row["counts"].get(stage)
                    yield (
                        call["slug"],
                        "breakdown",
                        by,
                        row["key"],
                        es,
                        en,
                        stage,
                        n,
                        n is None,
                        at,
                    )
            for stage in PUBLIC_STAGES:
                n = table["total"].get(stage)
                yield (
                    call["slug"],
                    "breakdown",
                    by,
                    "total",
                    "Total",
                    "Total",
                    stage,
                    n,
                    n is None,
                    at,
                )


def document(data: dict[str, Any], *, page_url: str) -> dict[str, Any]:
    """The open-data JSON: the snapshot's rows with their metadata (licence, rule,
    dictionary) so that the file explains itself."""
    with translation.override("en"):
        rule = str(rule_text(data["k"]))
        dictionary = {name: str(text) for name, text in DICTIONARY}
    return {
        "title": "Yachay — transparency: funnel and breakdowns",
        "licence": {"id": LICENCE, "url": LICENCE_URL},
        "attribution": settings.YACHAY_ORGANISER,
        "source": page_url,
        "computed_at": data["computed_at"],
        "k": data["k"],
        "rule": rule,
        "dictionary": dictionary,
        "columns": list(CSV_HEADER),
        "rows": [dict(zip(CSV_HEADER, row, strict=True)) for row in rows(data)],
    }


def rule_text(k: int) -> str:
    """The suppression rule, in the active language (the page, the JSON, the docs)."""
    return str(
        _(
            "No published number counts between 1 and %(k_minus)d people: such a number is "
            "hidden (shown as “—”). Other numbers of the same table are hidden too where "
            "needed, so that no hidden number can be worked out, or narrowed to fewer than "
            "%(k_plus)d possible values, from the totals and the numbers shown. Zeros are "
            "shown: they describe no one. Counts of one table may still be subtracted from "
            "another's (the stages are nested)."
        )
    ) % {"k_minus": k - 1, "k_plus": k + 1}


# -- the page ----------------------------------------------------------------------------------

#: The measures the map may show (a stage of ``PUBLIC_STAGES``), the first by default.
MAP_STAGES: tuple[str, ...] = ("placed", "applied", "completed", "certified", "admitted")
# Lima Metropolitana and Callao: the "Lima and Callao" of the program's regional target.
LIMA_CALLAO: tuple[str, ...] = (dimensions.LIMA_METROPOLITANA, "07")


@dataclass(frozen=True)
class Line:
    """One row of a published table: a label and its counts (``None``: hidden)."""

    key: str
    label: str
    counts: list[int | None]


@dataclass(frozen=True)
class Breakdown:
    by: str
    label: str
    rows: list[Line]
    total: Line


@dataclass(frozen=True)
class Page:
    """A stored snapshot, as the transparency page shows it (labels in the active language)."""

    computed_at: dt.datetime
    k: int
    call: dict[str, Any] | None
    funnel: list[tuple[str, str, int | None, float | None]]  # stage, label, count, rate
    headline: list[tuple[str, int | None]]
    women_share: float | None
    outside_lima_share: float | None
    breakdowns: list[Breakdown]
    stages: list[tuple[str, str]]  # PUBLIC_STAGES with labels
    other_calls: list[dict[str, Any]]


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def default_call(data: dict[str, Any]) -> str | None:
    """The call the page shows unless asked for another: the newest whose completions can be
    published (k or more), else the newest whose learners have completed (a hidden count
    means some did), else the newest."""
    calls = data.get("calls") or []
    for call in calls:
        if (call["funnel"].get("completed") or 0) > 0:
            return str(call["slug"])
    for call in calls:
        if call["funnel"].get("completed") != 0:
            return str(call["slug"])
    return str(calls[0]["slug"]) if calls else None


def page(data: dict[str, Any], call_slug: str | None = None) -> Page:
    """The page's model of a snapshot: the numbers of the call ``call_slug`` (by default
    :func:`default_call`; all of them are in the open data). Rates are computed from
    published numbers only, so a hidden count never shows through a rate."""
    labels = stage_labels()
    calls = data.get("calls") or []
    slug = call_slug or default_call(data)
    call = next((c for c in calls if c["slug"] == slug), None)
    computed_at = dt.datetime.fromisoformat(data["computed_at"])
    if call is None:
        return Page(computed_at, data["k"], None, [], [], None, None, [], [], [])
    counts = call["funnel"]
    rows = []
    for stage in STAGES:
        base = BASE.get(stage)
        rate = _share(counts.get(stage), counts.get(base)) if base else None
        rows.append((stage, labels[stage], counts.get(stage), rate))
    headline = [
        (labels[s], counts.get(s))
        for s in ("applied", "admitted", "placed", "completed", "certified")
    ]
    breakdowns = []
    for by in PUBLIC_DIMENSIONS:
        table = call["tables"][by]
        lines = [
            Line(
                r["key"],
                dimensions.label(by, r["key"]),
                [r["counts"].get(s) for s in PUBLIC_STAGES],
            )
            for r in table["rows"]
        ]
        total = Line("total", str(_("Total")), [table["total"].get(s) for s in PUBLIC_STAGES])
        breakdowns.append(Breakdown(by, str(dimensions.DIMENSIONS[by]), lines, total))
    placed = counts.get("placed")
    gender = {r["key"]: r["counts"].get("placed") for r in call["tables"]["gender"]["rows"]}
    region = {r["key"]: r["counts"].get("placed") for r in call["tables"]["department"]["rows"]}
    lima_callao = [region.get(key) for key in LIMA_CALLAO]
    outside = (
        None
        if placed is None or any(v is None for v in lima_callao)
        else placed - sum(v or 0 for v in lima_callao)
    )
    return Page(
        computed_at=computed_at,
        k=data["k"],
        call=call,
        funnel=rows,
        headline=headline,
        women_share=_share(gender.get("female"), placed),
        outside_lima_share=_share(outside, placed),
        breakdowns=breakdowns,
        stages=[(s, labels[s]) for s in PUBLIC_STAGES],
        other_calls=[c for c in calls if c["slug"] != slug],
    )
