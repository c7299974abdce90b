"""The outcome of a selection: ordered decisions, the target table, the solver's record,
and the hashes that let anyone check a run again.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import scipy

from yachay.selection.allocation.infeasibility import Shortfall
from yachay.selection.allocation.problem import (
    PRIORITY_DECIMALS,
    CandidateId,
    SelectionProblem,
    Status,
    _amount_text,
    _value_counts,
    resolve_bounds,
)


@dataclass(frozen=True)
class TargetRow:
    """One line of the target table: the bound in people against what the selection has."""

    target_id: str
    description: str
    kind: str
    measure: str
    dimension: str
    value: str
    amount: str
    bound: int
    eligible: int
    admitted: int
    met: bool
    shortfall: int


@dataclass(frozen=True)
class GroupCount:
    """Eligible and admitted candidates of one group (e.g. one department)."""

    eligible: int
    admitted: int


@dataclass(frozen=True)
class SolverInfo:
    """Which solver produced a result, its versions, and how much work it took."""

    name: str
    scipy: str
    numpy: str
    highs: str
    python: str
    solves: int
    variables: int
    blocks: int


@dataclass(frozen=True)
class Result:
    """The outcome of a selection run.

    ``admitted`` and ``waitlist`` are candidate ids in priority order (priority highest
    first, then lottery number); a waitlist position is the index in ``waitlist`` plus one.
    ``status`` is ``optimal`` (every target met, priority maximal), ``closest_feasible``
    (targets cannot all be met; the least total shortfall, then maximal priority),
    ``infeasible`` (strict mode; nobody admitted, ``shortfalls`` says why) or ``heuristic``
    (the greedy baseline).
    """

    status: Status
    admitted: tuple[CandidateId, ...]
    waitlist: tuple[CandidateId, ...]
    objective: float
    total_shortfall: int
    targets: tuple[TargetRow, ...]
    departments: Mapping[str, GroupCount]
    shortfalls: tuple[Shortfall, ...]
    seats: int
    admit_count: int
    seed: str
    mode: str
    policy: str
    solver: SolverInfo
    solve_seconds: float
    decisions_hash: str
    inputs_hash: str

    @property
    def targets_met(self) -> int:
        return sum(1 for row in self.targets if row.met)


@dataclass(frozen=True)
class DecisionDiff:
    """What changed between two sets of ordered decisions (for ``selection_verify``)."""

    same: bool
    newly_admitted: tuple[CandidateId, ...]
    no_longer_admitted: tuple[CandidateId, ...]
    admitted_order_changed: bool
    waitlist_order_changed: bool


def decisions_hash(admitted: Sequence[CandidateId], waitlist: Sequence[CandidateId]) -> str:
    """SHA-256 of the ordered decisions.

    The hashed text is ``json.dumps({"admitted": [...], "waitlist": [...]}, sort_keys=True,
    separators=(",", ":"))`` with every id written as ``str(id)``, in order.
    """
    text = json.dumps(
        {"admitted": [str(i) for i in admitted], "waitlist": [str(i) for i in waitlist]},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def diff_decisions(
    admitted: Sequence[CandidateId], waitlist: Sequence[CandidateId], result: Result
) -> DecisionDiff:
    """Compare stored decisions with a re-solve, by ``str(id)``."""
    old_a = [str(i) for i in admitted]
    new_a = [str(i) for i in result.admitted]
    old_set, new_set = set(old_a), set(new_a)
    by_text = {str(i): i for i in [*admitted, *result.admitted]}
    newly = tuple(by_text[i] for i in new_a if i not in old_set)
    gone = tuple(by_text[i] for i in old_a if i not in new_set)
    a_order = old_a != new_a
    w_order = [str(i) for i in waitlist] != [str(i) for i in result.waitlist]
    return DecisionDiff(
        same=not (newly or gone or a_order or w_order),
        newly_admitted=newly,
        no_longer_admitted=gone,
        admitted_order_changed=a_order,
        waitlist_order_changed=w_order,
    )


def _solver_versions() -> tuple[str, str]:
    try:
        from scipy.optimize._highspy import _core  # private, hence guarded

        highs = (
            f"{_core.HIGHS_VERSION_MAJOR}.{_core.HIGHS_VERSION_MINOR}.{_core.HIGHS_VERSION_PATCH}"
        )
    except (ImportError, AttributeError):
        highs = "unknown"
    return scipy.__version__, highs


def _target_rows(
    problem: SelectionProblem,
    bounds: Mapping[str, int],
    eligible: Counter[tuple[str, str]],
    admitted: Counter[tuple[str, str]],
) -> tuple[TargetRow, ...]:
    rows = []
    for t in problem.targets:
        key = (t.dimension, t.value)
        have = admitted[key]
        bound = bounds[t.id]
        short = max(0, bound - have) if t.kind == "min" else max(0, have - bound)
        rows.append(
            TargetRow(
                target_id=t.id,
                description=t.describe(),
                kind=t.kind,
                measure=t.measure,
                dimension=t.dimension,
                value=t.value,
                amount=_amount_text(t.amount),
                bound=bound,
                eligible=eligible[key],
                admitted=have,
                met=short == 0,
                shortfall=short,
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class _Run:
    """What every result needs besides its decisions."""

    problem: SelectionProblem
    scaled: np.ndarray
    eligible: Counter[tuple[str, str]]
    started: float
    name: str


def _result(
    run: _Run,
    status: Status,
    admitted_idx: Sequence[int],
    waitlist_idx: Sequence[int],
    shortfalls: Sequence[Shortfall],
    *,
    solves: int = 0,
    blocks: int = 0,
    variables: int = 0,
) -> Result:
    problem = run.problem
    cands = problem.candidates
    bounds = resolve_bounds(problem.targets, problem.admit_count)
    admitted = tuple(cands[i].id for i in admitted_idx)
    waitlist = tuple(cands[i].id for i in waitlist_idx)
    have = _value_counts(cands, admitted_idx)
    rows = _target_rows(problem, bounds, run.eligible, have)
    departments = {
        value: GroupCount(eligible=count, admitted=have[(d, value)])
        for (d, value), count in sorted(run.eligible.items())
        if d == "department"
    }
    total = int(run.scaled[list(admitted_idx)].sum()) if len(admitted_idx) else 0
    objective = float(Decimal(total).scaleb(-PRIORITY_DECIMALS))
    scipy_version, highs_version = _solver_versions()
    return Result(
        status=status,
        admitted=admitted,
        waitlist=waitlist,
        objective=objective,
        total_shortfall=sum(r.shortfall for r in rows),
        targets=rows,
        departments=departments,
        shortfalls=tuple(shortfalls),
        seats=problem.seats,
        admit_count=problem.admit_count,
        seed=problem.seed,
        mode=problem.mode,
        policy=problem.policy,
        solver=SolverInfo(
            name=run.name,
            scipy=scipy_version,
            numpy=np.__version__,
            highs=highs_version,
            python=platform.python_version(),
            solves=solves,
            variables=variables,
            blocks=blocks,
        ),
        solve_seconds=time.perf_counter() - run.started,
        decisions_hash=decisions_hash(admitted, waitlist),
        inputs_hash=problem.inputs_hash,
    )
