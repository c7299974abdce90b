"""The exact selection: :func:`allocate` validates, counts, solves and breaks ties.

The pieces are in the package's other modules (see the package docstring): the problem's
validation, the counting check for infeasibility, the block model's stages A and B, and
the lottery walk; this module puts them in order and builds the :class:`Result`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from yachay.selection.allocation.infeasibility import (
    Shortfall,
    _check_feasibility,
    _overlap_shortfalls,
)
from yachay.selection.allocation.model import _Model, _Solver
from yachay.selection.allocation.problem import (
    SelectionProblem,
    SolverFailed,
    Status,
    _validate,
    _value_counts,
)
from yachay.selection.allocation.result import Result, _result, _Run
from yachay.selection.allocation.ties import _Face, _lexicographic_walk


def _selection_from_counts(model: _Model, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Admitted and waitlisted candidate indices, each in priority order."""
    chosen = np.zeros(model.n, dtype=bool)
    for b, members in enumerate(model.block_members):
        chosen[members[: int(y[b])]] = True
    in_order = model.order
    return in_order[chosen[in_order]], in_order[~chosen[in_order]]


def allocate(problem: SelectionProblem, *, time_limit: float = 120.0) -> Result:
    """Select exactly ``min(seats, candidates)`` candidates, exactly (see the module doc).

    Raises :class:`InvalidTargets` / :class:`InvalidInput` for unusable input and
    :class:`SolverFailed` if the solver does not finish within ``time_limit`` seconds.
    In strict mode an infeasible problem gives ``status="infeasible"``, nobody admitted,
    and the reasons in ``shortfalls``; in closest mode the closest feasible selection, with
    the counting reasons (if any) in ``shortfalls`` and each target's shortfall in
    ``targets``.
    """
    started = time.perf_counter()
    scaled = _validate(problem)
    eligible = _value_counts(problem.candidates)
    found = _check_feasibility(problem, eligible)
    run = _Run(problem, scaled, eligible, started, "HiGHS via scipy.optimize.milp")
    strict = problem.mode == "strict"
    model = _Model(problem, scaled)
    deadline = time.monotonic() + time_limit
    solver = _Solver(model, strict=strict, deadline=deadline)

    def finish(status: Status, y: np.ndarray | None, reasons: Sequence[Shortfall]) -> Result:
        admitted_idx: list[int] = []
        waitlist_idx: list[int] = []
        if y is not None:
            a, w = _selection_from_counts(model, y)
            admitted_idx, waitlist_idx = a.tolist(), w.tolist()
        return _result(
            run,
            status,
            admitted_idx,
            waitlist_idx,
            reasons,
            solves=solver.solves,
            blocks=model.B,
            variables=solver.nvar,
        )

    if strict and found:
        return finish("infeasible", None, found)
    if strict:
        stage_b = solver.max_priority(0)
        if stage_b is None:
            # Counting found nothing, so the conflict is in the overlaps: show the closest
            # selection's shortfalls, target by target.
            return finish("infeasible", None, _overlap_shortfalls(problem, model, deadline))
        s_star = 0
    else:
        s_star, _y = solver.min_shortfall()
        stage_b = solver.max_priority(s_star)
        if stage_b is None:
            raise SolverFailed("No selection reaches the least shortfall the solver found.")
    p_star, y_b, low, high = stage_b
    face = _Face(solver, s_star, p_star, low, high)
    y = _lexicographic_walk(model, face, low, high, y_b)
    if model.value(y) != p_star or int(model.shortfalls(y).sum()) != s_star:
        raise SolverFailed("The final selection fails the exact check.")
    return finish("optimal" if s_star == 0 else "closest_feasible", y, found)
