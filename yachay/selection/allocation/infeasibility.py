"""Why no selection can meet the targets, and by how much.

Infeasibility is never silent
=============================

:func:`check_feasibility` finds, before any solve, the reasons a selection cannot exist and
says by how much, as :class:`Shortfall` records: a floor larger than its group, a floor larger
than the seats, a floor above a ceiling on the same group, floors of one dimension adding up
past the seats, ceilings that leave fewer places than seats. When the targets conflict only
through their overlaps, the solver finds it; strict mode then reports the closest feasible
selection's per-target shortfalls (``reason="overlap"``). Invalid input raises
:class:`InvalidTargets` or :class:`InvalidInput`, each carrying one :class:`InputIssue` per
problem, with a stable code and parameters for translation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from yachay.selection.allocation.model import _Model, _Solver
from yachay.selection.allocation.problem import (
    DIMENSIONS,
    SelectionProblem,
    Target,
    _value_counts,
    resolve_bounds,
    validate,
)


@dataclass(frozen=True)
class Shortfall:
    """A target (or set of targets) that cannot be met, and by how much.

    ``required`` people are needed where only ``available`` can be had; ``missing`` is the
    difference, always the shortfall in people. By ``reason``:

    * ``not_enough_candidates``: a floor (required) above its eligible group (available);
    * ``above_seats``: a floor above the number admitted, ``N``;
    * ``min_above_max``: a floor (required) above a ceiling on the same group (available);
    * ``floors_exceed_seats``: the floors of one dimension (sum) above ``N``;
    * ``ceilings_below_seats``: ``N`` required, the room the ceilings of one dimension leave;
    * ``overlap``: targets that only conflict through their overlaps (strict mode, found by
      the solver): for a floor, its bound and what the closest selection reaches; for a
      ceiling, its bound and the bound less the closest selection's excess.
    """

    target_ids: tuple[str, ...]
    reason: str
    required: int
    available: int
    message: str

    @property
    def missing(self) -> int:
        return self.required - self.available


def check_feasibility(problem: SelectionProblem) -> list[Shortfall]:
    """Reasons, found by counting, that no selection can meet every target.

    Validates first (raising like :func:`validate`). Returns an empty list when counting
    finds no conflict; the solver may still find one through overlaps of different
    dimensions (a department floor against a ceiling on its region, say).
    """
    validate(problem)
    return _check_feasibility(problem, _value_counts(problem.candidates))


def _check_feasibility(
    problem: SelectionProblem, eligible: Counter[tuple[str, str]]
) -> list[Shortfall]:
    n_admit = problem.admit_count
    bounds = resolve_bounds(problem.targets, n_admit)
    found: list[Shortfall] = []
    mins: dict[tuple[str, str], Target] = {}
    maxs: dict[tuple[str, str], Target] = {}
    for t in problem.targets:
        key = (t.dimension, t.value)
        bound = bounds[t.id]
        if t.kind == "min":
            # A tighter floor on the same group wins; keep the largest.
            if key not in mins or bound > bounds[mins[key].id]:
                mins[key] = t
            if bound > n_admit:
                found.append(
                    Shortfall(
                        (t.id,),
                        "above_seats",
                        bound,
                        n_admit,
                        f"{t.describe()}: needs {bound} people but only {n_admit} are admitted.",
                    )
                )
            elif bound > eligible[key]:
                found.append(
                    Shortfall(
                        (t.id,),
                        "not_enough_candidates",
                        bound,
                        eligible[key],
                        f"{t.describe()}: needs {bound} people; only {eligible[key]} eligible.",
                    )
                )
        elif key not in maxs or bound < bounds[maxs[key].id]:
            maxs[key] = t
    for key, low in mins.items():
        high = maxs.get(key)
        if high is not None and bounds[low.id] > bounds[high.id]:
            found.append(
                Shortfall(
                    (low.id, high.id),
                    "min_above_max",
                    bounds[low.id],
                    bounds[high.id],
                    f"{low.describe()} is above {high.describe()}: "
                    f"at least {bounds[low.id]} but at most {bounds[high.id]}.",
                )
            )
    for dim in DIMENSIONS:
        floors = [t for (d, _v), t in mins.items() if d == dim]
        total = sum(bounds[t.id] for t in floors)
        if len(floors) > 1 and total > n_admit:
            found.append(
                Shortfall(
                    tuple(t.id for t in floors),
                    "floors_exceed_seats",
                    total,
                    n_admit,
                    f"The floors on {dim} add up to {total} people; only {n_admit} are admitted.",
                )
            )
        ceilings = {v: bounds[t.id] for (d, v), t in maxs.items() if d == dim}
        if ceilings:
            room = sum(
                min(count, ceilings.get(v, count)) for (d, v), count in eligible.items() if d == dim
            )
            # Candidates without a value on this dimension are never capped.
            room += len(problem.candidates) - sum(
                count for (d, _v), count in eligible.items() if d == dim
            )
            if room < n_admit:
                found.append(
                    Shortfall(
                        tuple(maxs[(dim, v)].id for v in ceilings),
                        "ceilings_below_seats",
                        n_admit,
                        room,
                        f"The ceilings on {dim} leave room for {room} people; "
                        f"{n_admit} must be admitted.",
                    )
                )
    return found


def _overlap_shortfalls(
    problem: SelectionProblem, model: _Model, deadline: float
) -> list[Shortfall]:
    """Per-target shortfalls of a closest feasible selection (strict mode, overlaps)."""
    _s, y = _Solver(model, strict=False, deadline=deadline).min_shortfall()
    short = model.shortfalls(y)
    counts = np.asarray(model.target_matrix @ y).astype(np.int64)
    found = []
    for k, t in enumerate(problem.targets):
        if short[k] == 0:
            continue
        bound, have = int(model.bound_vec[k]), int(counts[k])
        if t.kind == "min":
            tail = f"the closest selection has {have} of {bound}."
            available = have
        else:
            tail = f"the closest selection has {have}, {have - bound} over the limit."
            available = bound - (have - bound)
        found.append(
            Shortfall(
                (t.id,),
                "overlap",
                bound,
                available,
                f"{t.describe()}: cannot be met together with the other targets; {tail}",
            )
        )
    return found
