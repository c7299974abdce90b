"""The greedy baseline the exact solver is measured against, in the benchmarks and tests."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping

import numpy as np

from yachay.selection.allocation.lottery import _lottery_ranks
from yachay.selection.allocation.problem import (
    SelectionProblem,
    Target,
    _validate,
    _value_counts,
    resolve_bounds,
)
from yachay.selection.allocation.result import Result, _result, _Run


def greedy_allocate(problem: SelectionProblem) -> Result:
    """The baseline the solver is measured against: floors first, then priority.

    For each minimum target in the order given, admit the best (priority order) not yet
    admitted members of its group until its bound is reached; then fill the remaining seats
    in priority order. A candidate is skipped whenever admitting them would exceed a maximum
    target. Fast and simple, but blind to overlaps: it can miss a target that an exact
    solver meets, and it never knows whether it could have done better.
    """
    started = time.perf_counter()
    scaled = _validate(problem)
    eligible = _value_counts(problem.candidates)
    run = _Run(
        problem, scaled, eligible, started, "greedy baseline (floors in turn, then priority)"
    )
    cands = problem.candidates
    n_admit = problem.admit_count
    bounds = resolve_bounds(problem.targets, n_admit)
    ranks = _lottery_ranks([c.id for c in cands], problem.seed)
    order = np.lexsort((ranks, -scaled)).tolist()
    members = {
        t.id: [i for i in order if _in_group(cands[i].attributes, t)] for t in problem.targets
    }
    ceilings = [t for t in problem.targets if t.kind == "max"]
    counts: Counter[str] = Counter()
    chosen = np.zeros(len(cands), dtype=bool)
    admitted = 0

    def admit(i: int) -> None:
        nonlocal admitted
        attrs = cands[i].attributes
        if any(counts[t.id] >= bounds[t.id] and _in_group(attrs, t) for t in ceilings):
            return
        chosen[i] = True
        admitted += 1
        for t in problem.targets:
            if _in_group(attrs, t):
                counts[t.id] += 1

    for t in problem.targets:
        if t.kind != "min":
            continue
        for i in members[t.id]:
            if admitted >= n_admit or counts[t.id] >= bounds[t.id]:
                break
            if not chosen[i]:
                admit(i)
    for i in order:
        if admitted >= n_admit:
            break
        if not chosen[i]:
            admit(i)
    admitted_idx = [i for i in order if chosen[i]]
    waitlist_idx = [i for i in order if not chosen[i]]
    return _result(run, "heuristic", admitted_idx, waitlist_idx, ())


def _in_group(attributes: Mapping[str, str], target: Target) -> bool:
    return attributes.get(target.dimension) == target.value
