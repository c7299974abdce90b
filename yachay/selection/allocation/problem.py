"""The selection problem: its inputs, their validation, and the errors it raises.

A :class:`SelectionProblem` holds everything :func:`~yachay.selection.allocation.allocate`
needs and nothing else; :func:`validate` lists every problem with it at once, as
:class:`InputIssue` records with a stable code for translation. Share targets become whole
numbers of people (:func:`resolve_bounds`) and priorities whole numbers of units
(:func:`quantize_priority`), exactly.

Reproducibility
===============

:meth:`SelectionProblem.to_json` writes the inputs canonically (``inputs_hash`` is its
SHA-256); :meth:`SelectionProblem.from_json` reads them back; ``allocate`` on the result gives
the same ``decisions_hash`` (SHA-256 of the ordered decisions, see :func:`decisions_hash`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal

import numpy as np

#: The attribute names a target may refer to (the codes used by the programs app).
DIMENSIONS: tuple[str, ...] = ("gender", "department_group", "department", "segment")
#: Priorities are compared after rounding to this many decimal places.
PRIORITY_DECIMALS = 4
#: Written into every stored problem; bump when the meaning of a stored field changes.
FORMAT = "yachay.selection/1"
#: Largest total (scaled) priority handled; beyond it double precision cannot tell units apart.
_MAX_SCALED_TOTAL = 2**50

CandidateId = int | str
Mode = Literal["strict", "closest"]
Policy = Literal["score", "lottery"]
Status = Literal["optimal", "infeasible", "closest_feasible", "heuristic"]

_KINDS = ("min", "max")
_MEASURES = ("count", "share")
_MODES = ("strict", "closest")
_POLICIES = ("score", "lottery")


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Candidate:
    """One eligible applicant: an id (int or str, unique by ``str(id)``), a priority, codes."""

    id: CandidateId
    priority: float
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class Target:
    """A floor (``kind="min"``) or a ceiling (``"max"``) on one group.

    ``measure="count"`` counts people; ``measure="share"`` is a percentage (0-100) of the
    number admitted, ``N = min(seats, candidates)``. ``amount`` may be an int, a float, a
    ``Decimal`` or a decimal string; it is read exactly (floats by their shortest repr).
    """

    id: str
    kind: str
    measure: str
    dimension: str
    value: str
    amount: Decimal | int | float | str
    label: str = ""

    def describe(self) -> str:
        """A short English description, e.g. ``min 50% female``."""
        unit = "%" if self.measure == "share" else ""
        group = self.label or f"{self.dimension}={self.value}"
        return f"{self.kind} {_amount(self.amount).normalize():f}{unit} {group}"


@dataclass(frozen=True)
class SelectionProblem:
    """Everything :func:`allocate` needs, and nothing else: store it to re-solve later."""

    candidates: tuple[Candidate, ...]
    seats: int
    targets: tuple[Target, ...] = ()
    seed: str = ""
    mode: Mode = "strict"
    policy: Policy = "score"

    def __post_init__(self) -> None:
        # Accept lists for convenience; keep the dataclass hashable and immutable.
        object.__setattr__(self, "candidates", tuple(self.candidates))
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "seed", str(self.seed))

    @property
    def admit_count(self) -> int:
        """``N = min(seats, number of candidates)``: how many are admitted."""
        return max(0, min(self.seats, len(self.candidates)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, canonical: candidates in ``str(id)`` order, as rows.

        ``attributes`` lists the attribute names (sorted); each candidate is a row
        ``[id, priority, value, value, ...]`` in that order, ``null`` where absent. Rows keep
        100,000 candidates at a few megabytes and quick to write.
        """
        names = sorted({name for c in self.candidates for name in c.attributes})
        return {
            "format": FORMAT,
            "seats": self.seats,
            "seed": self.seed,
            "mode": self.mode,
            "policy": self.policy,
            "priority_decimals": PRIORITY_DECIMALS,
            "targets": [
                {
                    "id": t.id,
                    "kind": t.kind,
                    "measure": t.measure,
                    "dimension": t.dimension,
                    "value": t.value,
                    "amount": _amount_text(t.amount),
                    "label": t.label,
                }
                for t in self.targets
            ],
            "attributes": names,
            "candidates": [
                [c.id, c.priority, *(c.attributes.get(name) for name in names)]
                for c in sorted(self.candidates, key=lambda c: str(c.id))
            ],
        }

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces, ASCII): equal problems give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @property
    def inputs_hash(self) -> str:
        """SHA-256 of :meth:`to_json`: changes whenever any input that matters changes."""
        return hashlib.sha256(self.to_json().encode("ascii")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionProblem:
        """Inverse of :meth:`to_dict`; refuses another format or precision."""
        if data.get("format") != FORMAT:
            raise InvalidInput(
                [InputIssue("unknown_format", f"Unknown problem format {data.get('format')!r}.")]
            )
        if data.get("priority_decimals", PRIORITY_DECIMALS) != PRIORITY_DECIMALS:
            raise InvalidInput(
                [InputIssue("precision_changed", "Stored with another priority precision.")]
            )
        names = list(data["attributes"])
        return cls(
            candidates=tuple(
                Candidate(
                    row[0],
                    row[1],
                    {k: v for k, v in zip(names, row[2:], strict=True) if v is not None},
                )
                for row in data["candidates"]
            ),
            seats=data["seats"],
            targets=tuple(
                Target(
                    id=t["id"],
                    kind=t["kind"],
                    measure=t["measure"],
                    dimension=t["dimension"],
                    value=t["value"],
                    amount=t["amount"],
                    label=t.get("label", ""),
                )
                for t in data["targets"]
            ),
            seed=data["seed"],
            mode=data["mode"],
            policy=data["policy"],
        )

    @classmethod
    def from_json(cls, text: str) -> SelectionProblem:
        """Read a problem written by :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


# --------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class InputIssue:
    """One thing wrong with the input: a stable ``code``, English text, and its numbers.

    ``params`` holds the values the message quotes, so a translation can be built from
    ``code`` and ``params`` alone.
    """

    code: str
    message: str
    target_id: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


class SelectionError(ValueError):
    """Base of the input errors: carries one :class:`InputIssue` per problem found."""

    def __init__(self, issues: Iterable[InputIssue]) -> None:
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        super().__init__("; ".join(i.message for i in self.issues))


class InvalidInput(SelectionError):
    """Seats, candidates, seed, mode or policy that cannot be used (nothing was solved)."""


class InvalidTargets(InvalidInput):
    """Targets that make no sense on their own: share over 100%, negative, unknown fields."""


class SolverFailed(RuntimeError):
    """The solver stopped without an answer we can trust (time limit, numerical trouble)."""


# --------------------------------------------------------------------------------------------
# Small pure helpers


def quantize_priority(priority: float | int | Decimal) -> int:
    """A priority as an integer number of ``10**-PRIORITY_DECIMALS`` units (half to even)."""
    d = priority if isinstance(priority, Decimal) else Decimal(repr(priority))
    if not d.is_finite():
        raise ValueError("priority is not finite")
    return int((d.scaleb(PRIORITY_DECIMALS)).to_integral_value(rounding=ROUND_HALF_EVEN))


def resolve_bounds(targets: Sequence[Target], admit_count: int) -> dict[str, int]:
    """Each target's bound in people for ``N = admit_count`` admitted.

    ``count``: the amount. ``share``: ``amount * N / 100``, rounded up for a minimum and down
    for a maximum, in exact arithmetic. Targets must be valid (see :func:`validate`).
    """
    bounds: dict[str, int] = {}
    for t in targets:
        amount = Fraction(_amount(t.amount))
        if t.measure == "share":
            exact = amount * admit_count / 100
            bounds[t.id] = math.ceil(exact) if t.kind == "min" else math.floor(exact)
        else:
            bounds[t.id] = int(amount)
    return bounds


def _amount(value: Decimal | int | float | str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _amount_text(value: Decimal | int | float | str) -> str:
    try:
        return f"{_amount(value).normalize():f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _value_counts(
    candidates: Sequence[Candidate], indices: Iterable[int] | None = None
) -> Counter[tuple[str, str]]:
    """How many of the candidates (or of those at ``indices``) have each (dimension, value)."""
    chosen = candidates if indices is None else [candidates[i] for i in indices]
    attributes = [c.attributes for c in chosen]
    counts: Counter[tuple[str, str]] = Counter()
    for d in DIMENSIONS:
        for value, k in Counter([a.get(d) for a in attributes]).items():
            if value is not None:
                counts[(d, value)] = k
    return counts


# --------------------------------------------------------------------------------------------
# Validation


def validate(problem: SelectionProblem) -> None:
    """Raise :class:`InvalidTargets` or :class:`InvalidInput` listing every problem found.

    See :func:`_validate` for the list.
    """
    _validate(problem)


def _validate(problem: SelectionProblem) -> np.ndarray:
    """Validate, and return the priorities as integers (zeros under the lottery policy).

    Target problems (one issue per target): unknown kind, measure or dimension; an amount
    that is not a number, negative, a share over 100, or a count that is not whole; two
    targets with one id. Input problems: seats not a whole number >= 1 (``no_seats`` for
    zero), no candidates, duplicate or empty ids, non-finite priorities, an unknown mode or
    policy, a total priority too large to be handled exactly.
    """
    issues: list[InputIssue] = []
    seen: set[str] = set()
    for t in problem.targets:
        tid = t.id
        if not isinstance(tid, str) or not tid:
            issues.append(InputIssue("target_id", "A target needs a non-empty text id.", None))
            continue
        if tid in seen:
            issues.append(
                InputIssue("duplicate_target", f"Target {tid!r} appears twice.", tid, {"id": tid})
            )
        seen.add(tid)
        if t.kind not in _KINDS:
            issues.append(
                InputIssue(
                    "unknown_kind",
                    f"Target {tid!r}: kind must be 'min' or 'max', not {t.kind!r}.",
                    tid,
                    {"kind": t.kind},
                )
            )
        if t.measure not in _MEASURES:
            issues.append(
                InputIssue(
                    "unknown_measure",
                    f"Target {tid!r}: measure must be 'count' or 'share', not {t.measure!r}.",
                    tid,
                    {"measure": t.measure},
                )
            )
        if t.dimension not in DIMENSIONS:
            issues.append(
                InputIssue(
                    "unknown_dimension",
                    f"Target {tid!r}: dimension must be one of {', '.join(DIMENSIONS)}, "
                    f"not {t.dimension!r}.",
                    tid,
                    {"dimension": t.dimension},
                )
            )
        if not isinstance(t.value, str) or not t.value:
            issues.append(
                InputIssue("empty_value", f"Target {tid!r}: the group value is empty.", tid)
            )
        try:
            amount = _amount(t.amount)
            if not amount.is_finite():
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            issues.append(
                InputIssue(
                    "not_a_number",
                    f"Target {tid!r}: the amount {t.amount!r} is not a number.",
                    tid,
                    {"amount": str(t.amount)},
                )
            )
            continue
        text = f"{amount.normalize():f}"
        if amount < 0:
            issues.append(
                InputIssue(
                    "negative_amount",
                    f"Target {tid!r}: the amount cannot be negative ({text}).",
                    tid,
                    {"amount": text},
                )
            )
        elif t.measure == "share" and amount > 100:
            issues.append(
                InputIssue(
                    "share_above_100",
                    f"Target {tid!r}: a share cannot be above 100% ({text}%).",
                    tid,
                    {"amount": text},
                )
            )
        elif t.measure == "count" and amount != amount.to_integral_value():
            issues.append(
                InputIssue(
                    "count_not_whole",
                    f"Target {tid!r}: a number of people is a whole number, not {text}.",
                    tid,
                    {"amount": text},
                )
            )
    if issues:
        raise InvalidTargets(issues)

    problems: list[InputIssue] = []
    seats = problem.seats
    if isinstance(seats, bool) or not isinstance(seats, int):
        problems.append(
            InputIssue("seats_not_whole", f"Seats must be a whole number, not {seats!r}.")
        )
    elif seats < 0:
        problems.append(
            InputIssue(
                "negative_seats", f"Seats cannot be negative ({seats}).", None, {"seats": seats}
            )
        )
    elif seats == 0:
        problems.append(InputIssue("no_seats", "There are no seats to allocate.", None))
    if not problem.candidates:
        problems.append(InputIssue("no_candidates", "There is no eligible candidate.", None))
    if problem.mode not in _MODES:
        problems.append(
            InputIssue("unknown_mode", f"Mode must be 'strict' or 'closest', not {problem.mode!r}.")
        )
    if problem.policy not in _POLICIES:
        problems.append(
            InputIssue(
                "unknown_policy", f"Policy must be 'score' or 'lottery', not {problem.policy!r}."
            )
        )
    cands = problem.candidates
    keys = [str(c.id) for c in cands]
    duplicates: list[str] = []
    if len(set(keys)) < len(keys):
        duplicates = sorted(k for k, times in Counter(keys).items() if times > 1)
    # Type checks per distinct type, not per candidate: a handful of types, 100,000 values.
    bad_ids = [c.id for c in cands if not _usable_id(c.id)] if _odd_ids(cands) else []
    for bad in bad_ids[:5]:
        problems.append(
            InputIssue(
                "bad_id", f"Candidate id {bad!r} is not a usable id.", None, {"id": str(bad)}
            )
        )
    bad_priority: list[str] = []
    if any(t is bool or not issubclass(t, int | float) for t in {type(c.priority) for c in cands}):
        bad_priority = [
            str(c.id)
            for c in cands
            if isinstance(c.priority, bool) or not isinstance(c.priority, int | float)
        ]
    elif cands:
        finite = np.isfinite(np.asarray([c.priority for c in cands], dtype=float))
        bad_priority = [keys[k] for k in np.flatnonzero(~finite)]
    if duplicates:
        problems.append(
            InputIssue(
                "duplicate_candidates",
                f"Candidate ids appear twice: {', '.join(duplicates[:5])}"
                + (" ..." if len(duplicates) > 5 else "")
                + ".",
                None,
                {"ids": duplicates},
            )
        )
    scaled = np.zeros(len(problem.candidates), dtype=np.int64)
    if bad_priority and problem.policy == "score":
        problems.append(
            InputIssue(
                "bad_priority",
                f"Priorities that are not finite numbers: {', '.join(bad_priority[:5])}.",
                None,
                {"ids": bad_priority},
            )
        )
    elif problem.policy == "score" and problem.candidates:
        scaled = _quantize_many([c.priority for c in problem.candidates])
        spread = int(scaled.max()) - int(scaled.min())
        if spread * max(problem.admit_count, 1) > _MAX_SCALED_TOTAL:
            problems.append(
                InputIssue(
                    "priority_range",
                    "Priorities span too wide a range to be optimised exactly; rescale them.",
                )
            )
    if problems:
        raise InvalidInput(problems)
    return scaled


def _odd_ids(cands: Sequence[Candidate]) -> bool:
    return any(
        t is bool or not issubclass(t, int | str) for t in {type(c.id) for c in cands}
    ) or any(c.id == "" for c in cands)


def _usable_id(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | str) and str(value) != ""


def _quantize_many(values: Sequence[float | int]) -> np.ndarray:
    """:func:`quantize_priority` for many finite values at once, exactly.

    ``x = p * 10**d`` in floating point is within 1.5 units in the last place of the exact
    decimal value; below 2**40 that is under 0.001, so rounding ``x`` is exact unless ``x``
    lies within 0.001 of a half, and those few (and any huge value) take the exact path.
    """
    arr = np.asarray(values, dtype=float)
    x = arr * float(10**PRIORITY_DECIMALS)
    out = np.rint(np.where(np.abs(x) < 2.0**40, x, 0.0)).astype(np.int64)
    slow = (np.abs(np.abs(x - np.floor(x)) - 0.5) < 1e-3) | ~(np.abs(x) < 2.0**40)
    for k in np.flatnonzero(slow):
        out[k] = quantize_priority(values[int(k)])
    return out
