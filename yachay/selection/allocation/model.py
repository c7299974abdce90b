"""The block model of a selection and its exact solves (stages A and B), proved in integers.

The integer program, and why it is solved over blocks
=====================================================

Only the dimensions that some target mentions matter to the constraints. Candidates with the
same values on those dimensions form a *group*; a group split by (rounded) priority forms a
*block*. Every member of a block has the same constraint column and the same objective
coefficient, so the members are interchangeable and a solution is fully described by how many
members each block admits, ``y_b`` (an integer between 0 and the block's size); *which* ones is
decided by the lottery (the best lottery numbers first). The model is therefore::

    maximise    sum_b P_b * y_b                         (total priority)
    subject to  sum_b y_b = N                           (exactly N admitted)
                sum_{b in G_t} y_b + s_t >= bound_t     (each min target t)
                sum_{b in G_t} y_b - s_t <= bound_t     (each max target t)
                0 <= y_b <= size_b, y_b integer;  s_t >= 0

with the shortfalls ``s_t`` fixed at zero in strict mode. This is exactly the candidate-level
0/1 program (one ``x_i`` per candidate) with identical columns merged: from any 0/1 solution
take ``y_b`` = the number admitted from block ``b``; from any ``y`` take the first ``y_b``
members of each block. Both have the same constraint values and objective. Merging by group
alone would also be exact (within a group a better-priority member is always at least as
good, by exchange), but the objective per group would then be concave piecewise linear;
blocks keep it linear. For 100,000 candidates scored on a few criteria this is a few
thousand integer variables and a dozen rows instead of 100,000 binaries.

Solving it, with proofs in integers
===================================

Each stage is solved by HiGHS through :func:`scipy.optimize.milp` with a relative gap of
zero (proven optimality), with HiGHS's presolve off (on these models -- a dozen rows, many
near-parallel columns -- it costs minutes where the solve costs milliseconds).

Stage B (most priority) is solved on a *core*. The LP relaxation gives multipliers ``pi``;
rounded to multiples of 2**-20 and clipped to the right sign they give, in exact integer
arithmetic, reduced costs ``rc_b`` and a bound ``U`` such that every selection meeting the
rows has ``P.y <= U - sum_b |rc_b| * (distance of y_b from the bound rc_b pushes it to)``
(weak duality: true for *any* multipliers of the right signs, so floating-point error in the
LP can weaken the bound but never make it wrong). Blocks with small ``|rc_b|`` form the core;
the others are fixed at their bound. If the core's optimum ``P_c`` leaves ``U - P_c`` below
every fixed block's ``|rc_b|``, no selection as good as ``P_c`` can move a fixed block, so
``P_c`` is the optimum of the whole problem; otherwise the core grows and is solved again.
The same inequality with ``P*`` gives bounds ``low_b <= y_b <= high_b`` that hold in *every*
optimal selection (reduced-cost fixing); typically all but a few hundred blocks -- those at
the margin, tied in priority -- are fixed, and the tie-breaking below works on those alone.

Every selection HiGHS returns is checked in exact integer arithmetic (seats, targets,
shortfall, priority) before it is used; a failed check raises :class:`SolverFailed` rather
than return a wrong answer. What is trusted from HiGHS is its proofs: of optimality, in
stages A and B, and of infeasibility, in the questions of the walk below.

Lexicographic objectives, exactly
=================================

Closest mode is lexicographic: least total shortfall first, then most priority. It is solved
as *separate* solves, each in integers: stage A minimises ``sum_t s_t`` (giving ``S*``); stage
B maximises priority with ``sum_t s_t <= S*`` added. A single weighted solve would also be
lexicographic if the shortfall weight ``M`` exceeded the whole priority range (``M > N *
(max P - min P)``), since one person of shortfall then outweighs any priority gain; but
``M * S*`` quickly reaches the size where a floating-point solver's tolerances blur single
units, so two solves are both simpler and safer. Strict mode is stage B alone.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, hstack, vstack

from yachay.selection.allocation.lottery import _lottery_ranks
from yachay.selection.allocation.problem import (
    CandidateId,
    SelectionProblem,
    SolverFailed,
    resolve_bounds,
)


class _Model:
    """Candidates merged into blocks (same target groups, same rounded priority)."""

    def __init__(self, problem: SelectionProblem, scaled: np.ndarray) -> None:
        cands = problem.candidates
        self.n = len(cands)
        self.N = problem.admit_count
        self.ids: list[CandidateId] = [c.id for c in cands]
        self.targets = problem.targets
        self.bounds = resolve_bounds(problem.targets, self.N)
        self.rank = _lottery_ranks(self.ids, problem.seed)
        self.prio = scaled
        # The priority order: priority descending, then lottery number ascending.
        self.order = np.lexsort((self.rank, -self.prio))

        dims = sorted({t.dimension for t in problem.targets})
        self.dims = dims
        columns = [[c.attributes.get(d) for c in cands] for d in dims]
        group_index: dict[tuple[str | None, ...], int] = {}
        keys = list(zip(*columns, strict=True)) if dims else [()] * self.n
        group = np.fromiter(
            (group_index.setdefault(key, len(group_index)) for key in keys),
            dtype=np.int64,
            count=self.n,
        )
        self.group_keys: list[tuple[str | None, ...]] = list(group_index)

        # Blocks: sort by (group, priority desc, lottery) so each block is contiguous and
        # its members come in lottery order.
        by_block = np.lexsort((self.rank, -self.prio, group))
        g_sorted = group[by_block]
        p_sorted = self.prio[by_block]
        starts = np.flatnonzero(
            np.concatenate(
                ([True], (g_sorted[1:] != g_sorted[:-1]) | (p_sorted[1:] != p_sorted[:-1]))
            )
        )
        ends = np.append(starts[1:], self.n)
        self.block_members: list[np.ndarray] = [
            by_block[s:e] for s, e in zip(starts, ends, strict=True)
        ]
        self.B = len(starts)
        self.block_start = starts.astype(np.int64)
        # Lottery numbers of the members, block after block: block b's k-th member (k from
        # 0) is at block_start[b] + k.
        self.rank_in_blocks = self.rank[by_block]
        self.block_size = (ends - starts).astype(np.int64)
        self.block_prio = p_sorted[starts].astype(np.int64)
        self.block_group = g_sorted[starts]
        self.block_of = np.empty(self.n, dtype=np.int64)
        self.member_index = np.empty(self.n, dtype=np.int64)  # place in its block's lottery
        for b, members in enumerate(self.block_members):
            self.block_of[members] = b
            self.member_index[members] = np.arange(len(members))

        # Objective coefficients, shifted and divided so that they are small non-negative
        # integers: with exactly N admitted, a constant shift does not change the argmax.
        base = int(self.block_prio.min())
        shifted = self.block_prio - base
        divisor = math.gcd(*(int(v) for v in np.unique(shifted))) or 1
        self.obj = shifted // divisor

        # Target rows over blocks.
        self.T = len(problem.targets)
        rows, cols = [], []
        for t_index, t in enumerate(problem.targets):
            d = dims.index(t.dimension)
            in_group = [g for g, key in enumerate(self.group_keys) if key[d] == t.value]
            members = np.flatnonzero(np.isin(self.block_group, in_group))
            rows.extend([t_index] * len(members))
            cols.extend(members.tolist())
        self.target_matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.T, self.B))
        self.target_dense = self.target_matrix.toarray().astype(np.int64)
        self.is_min = np.array([t.kind == "min" for t in problem.targets], dtype=bool)
        self.bound_vec = np.array([self.bounds[t.id] for t in problem.targets], dtype=np.int64)

    def shortfalls(self, y: np.ndarray) -> np.ndarray:
        """Per-target shortfall (people below a floor, above a ceiling) of block counts y."""
        if self.T == 0:
            return np.zeros(0, dtype=np.int64)
        counts = np.asarray(self.target_matrix @ y).astype(np.int64)
        return np.where(
            self.is_min,
            np.maximum(0, self.bound_vec - counts),
            np.maximum(0, counts - self.bound_vec),
        )

    def value(self, y: np.ndarray) -> int:
        return int(np.dot(self.obj, y))


def _milp(
    c: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    A: Any,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    *,
    gap: float,
    deadline: float,
    certificate_enough: bool,
) -> np.ndarray | None:
    """One HiGHS call. The solution (not rounded), or None when proven infeasible.

    With ``certificate_enough`` a feasible point found before the time limit is accepted
    (the caller checks it exactly and needs no proof of optimality). HiGHS's presolve is
    off: on these models (a dozen rows, many nearly parallel columns) it costs far more
    than it saves -- minutes on 100,000 columns, where the root LP alone takes seconds.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise SolverFailed("The selection took longer than its time limit.")
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        constraints=LinearConstraint(A, row_lb, row_ub),
        options={"mip_rel_gap": gap, "time_limit": remaining, "presolve": False},
    )
    if res.status == 2:
        return None
    if res.x is not None and (res.status == 0 or (certificate_enough and res.status == 1)):
        return cast(np.ndarray, res.x)
    raise SolverFailed(f"HiGHS stopped without a usable answer: {res.message}")


#: Multipliers are rounded to multiples of 1/_DUAL_SCALE before the exact arithmetic.
_DUAL_SCALE = 2**20


@dataclass(frozen=True)
class _Duals:
    """Exact reduced costs and bound from rounded LP multipliers, all times _DUAL_SCALE."""

    rc: np.ndarray  # object array of Python ints, one per block
    upper: int  # >= scale * P.y for every y meeting the rows (weak duality)


class _Restricted:
    """The selection rows over the blocks not fixed by ``low == high``.

    Fixed blocks are folded into the right-hand sides, so a solve over a few hundred free
    blocks is a few milliseconds whatever the number of candidates. Optional rows: total
    shortfall at most ``s_cap`` (closest mode) and total priority at least ``p_floor``.
    """

    def __init__(
        self,
        m: _Model,
        strict: bool,
        low: np.ndarray,
        high: np.ndarray,
        *,
        s_cap: int | None = None,
        p_floor: int | None = None,
    ) -> None:
        self.m = m
        self.free = np.flatnonzero(low < high)
        self.fixed_y = np.where(low == high, low, 0).astype(np.int64)
        k = len(self.free)
        self.k = k
        self.n_s = 0 if strict else m.T
        rows: list[Any] = [csr_matrix(np.ones((1, k)))]
        n_fixed = int(self.fixed_y.sum())
        lbs: list[float] = [float(m.N - n_fixed)]
        ubs: list[float] = [float(m.N - n_fixed)]
        if m.T:
            rows.append(m.target_matrix[:, self.free])
            rest = m.bound_vec - np.asarray(m.target_matrix @ self.fixed_y).astype(np.int64)
            lbs.extend(np.where(m.is_min, rest, -np.inf).tolist())
            ubs.extend(np.where(m.is_min, np.inf, rest).tolist())
        if p_floor is not None:
            rows.append(csr_matrix(m.obj[self.free].astype(float)[None, :]))
            # Integer data: any integer y above p_floor - 0.5 reaches p_floor.
            lbs.append(float(p_floor - m.value(self.fixed_y)) - 0.5)
            ubs.append(np.inf)
        y_part = vstack(rows).tocsr()
        if self.n_s:
            signs = np.where(m.is_min, 1.0, -1.0)
            s_rows: list[Any] = [
                csr_matrix((1, m.T)),
                csr_matrix((signs, (np.arange(m.T), np.arange(m.T))), shape=(m.T, m.T)),
            ]
            if p_floor is not None:
                s_rows.append(csr_matrix((1, m.T)))
            A = hstack([y_part, vstack(s_rows)])
            if s_cap is not None:
                A = vstack([A, hstack([csr_matrix((1, k)), csr_matrix(np.ones((1, m.T)))])])
                lbs.append(-np.inf)
                ubs.append(s_cap + 0.5)
        else:
            A = y_part
        self.A = A.tocsr()
        self.row_lb = np.array(lbs, dtype=float)
        self.row_ub = np.array(ubs, dtype=float)

    def solve(
        self,
        c_free: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        *,
        deadline: float,
        gap: float = 0.0,
        certificate_enough: bool = False,
        c_s: np.ndarray | None = None,
        extra_rows: Any = None,
        extra_lb: np.ndarray | None = None,
        extra_ub: np.ndarray | None = None,
        extra_cols: int = 0,
        extra_c: np.ndarray | None = None,
        extra_var_ub: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Solve over the free blocks; the full-length block counts, or None if infeasible.

        ``extra_rows`` (sparse, over free blocks, shortfalls and ``extra_cols`` continuous
        columns) add rows; the extra columns have bounds ``[0, extra_var_ub]``.
        """
        k, free = self.k, self.free
        A, row_lb, row_ub = self.A, self.row_lb, self.row_ub
        if extra_cols:
            A = hstack([A, csr_matrix((A.shape[0], extra_cols))]).tocsr()
        if extra_rows is not None:
            A = vstack([A, extra_rows]).tocsr()
            row_lb = np.concatenate((row_lb, cast(np.ndarray, extra_lb)))
            row_ub = np.concatenate((row_ub, cast(np.ndarray, extra_ub)))
        c = np.concatenate(
            (
                c_free,
                np.zeros(self.n_s) if c_s is None else c_s,
                np.zeros(extra_cols) if extra_c is None else extra_c,
            )
        )
        lb = np.concatenate((low[free], np.zeros(self.n_s + extra_cols))).astype(float)
        ub = np.concatenate(
            (
                high[free],
                np.full(self.n_s, np.inf),
                np.zeros(0) if extra_var_ub is None else extra_var_ub,
            )
        ).astype(float)
        integrality = np.concatenate((np.ones(k), np.zeros(self.n_s + extra_cols)))
        x = _milp(
            c,
            integrality,
            lb,
            ub,
            A,
            row_lb,
            row_ub,
            gap=gap,
            deadline=deadline,
            certificate_enough=certificate_enough,
        )
        if x is None:
            return None
        y = self.fixed_y.copy()
        y[free] = np.rint(x[:k]).astype(np.int64)
        return y


class _Solver:
    """Stages A and B over a :class:`_Model`, with a clock and a count of solves."""

    def __init__(self, model: _Model, strict: bool, deadline: float) -> None:
        self.m = model
        self.strict = strict
        self.deadline = deadline
        self.solves = 0
        self.n_s = 0 if strict else model.T
        self.nvar = model.B + self.n_s

    def restricted(
        self,
        low: np.ndarray,
        high: np.ndarray,
        *,
        s_cap: int | None = None,
        p_floor: int | None = None,
    ) -> _Restricted:
        return _Restricted(self.m, self.strict, low, high, s_cap=s_cap, p_floor=p_floor)

    def min_shortfall(self) -> tuple[int, np.ndarray]:
        """Stage A (closest mode): the least total shortfall, and a selection reaching it."""
        m = self.m
        low, high = np.zeros(m.B, dtype=np.int64), m.block_size.copy()
        sub = _Restricted(m, False, low, high)
        self.solves += 1
        y = sub.solve(np.zeros(m.B), low, high, deadline=self.deadline, c_s=np.ones(m.T))
        if y is None:  # with free shortfalls any N candidates will do
            raise SolverFailed("The relaxed selection problem has no solution.")
        return int(m.shortfalls(y).sum()), y

    def duals(self, s_star: int) -> _Duals | None:
        """Exact reduced costs from the LP relaxation of stage B (None if it fails).

        For any multipliers ``pi`` of the right signs, weak duality gives, for every y
        meeting the rows, ``scale * P.y <= upper - sum_b |rc_b| * (distance of y_b from the
        bound that rc_b pushes it to)`` with ``rc = scale * P - A^T pi``. The multipliers
        come from the LP, are rounded to multiples of ``1/scale`` and clipped to the right
        sign; everything after that is exact integer arithmetic, so what follows from the
        inequality is proved, whatever the floating-point error in the LP.
        """
        m = self.m
        if not m.T:
            return None
        sign = np.where(m.is_min, -1, 1)
        rows_y = csr_matrix(sign[:, None] * m.target_dense)
        b_ub = [int(v) for v in sign * m.bound_vec]
        if self.n_s:
            s_cols = csr_matrix((-np.ones(m.T), (np.arange(m.T), np.arange(m.T))), shape=(m.T, m.T))
            A_ub = vstack(
                [
                    hstack([rows_y, s_cols]),
                    hstack([csr_matrix((1, m.B)), csr_matrix(np.ones((1, m.T)))]),
                ]
            ).tocsr()
            b_ub.append(s_star)
        else:
            A_ub = rows_y.tocsr()
        A_eq = csr_matrix(np.concatenate((np.ones(m.B), np.zeros(self.n_s)))[None, :])
        c = np.concatenate((-m.obj.astype(float), np.zeros(self.n_s)))
        bounds = np.column_stack(
            (np.zeros(self.nvar), np.concatenate((m.block_size, np.full(self.n_s, np.inf))))
        )
        if time.monotonic() > self.deadline:
            raise SolverFailed("The selection took longer than its time limit.")
        self.solves += 1
        # The interior point method (with crossover) is much faster than the simplex
        # method on many columns and a dozen rows; any multipliers will do, exactness
        # comes from the integer arithmetic below.
        res = linprog(
            c,
            A_ub=A_ub,
            b_ub=np.array(b_ub, dtype=float),
            A_eq=A_eq,
            b_eq=[m.N],
            bounds=bounds,
            method="highs-ipm" if m.B > 20_000 else "highs",
            options={"presolve": False},
        )
        if res.status != 0:
            return None
        scale = _DUAL_SCALE
        pi_ub = [max(0, round(-v * scale)) for v in res.ineqlin.marginals]
        pi_eq = round(-res.eqlin.marginals[0] * scale)
        dense = A_ub.toarray().astype(np.int64).astype(object)
        weighted = np.array(pi_ub, dtype=object) @ dense  # exact, one integer per column
        rc = m.obj.astype(object) * scale - weighted[: m.B] - pi_eq
        upper = sum(p * r for p, r in zip(pi_ub, b_ub, strict=True)) + pi_eq * m.N
        positive = rc > 0
        if positive.any():
            upper += int((rc[positive] * m.block_size.astype(object)[positive]).sum())
        if self.n_s:
            # s_t <= sum(s) <= S*, so s_t's term is at most max(0, rc_s) * S*.
            upper += sum(max(0, -int(w)) for w in weighted[m.B :]) * s_star
        return _Duals(rc=rc, upper=int(upper))

    def fixed_bounds(self, duals: _Duals, p_floor: int) -> tuple[np.ndarray, np.ndarray]:
        """Bounds on ``y_b`` that hold in every selection with priority at least p_floor."""
        m = self.m
        low = np.zeros(m.B, dtype=np.int64)
        high = m.block_size.copy()
        room = duals.upper - p_floor * _DUAL_SCALE
        if room < 0:  # no such selection at all
            return low, high
        for b in np.flatnonzero(duals.rc != 0):
            r = int(duals.rc[b])
            if r < 0:
                high[b] = min(int(high[b]), room // -r)
            else:
                low[b] = max(0, int(m.block_size[b]) - room // r)
        return low, high

    def max_priority(self, s_star: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
        """Stage B: the most priority P* with total shortfall at most ``s_star``.

        Returns ``(P*, an optimal y, low, high)`` where ``low <= y <= high`` holds for
        *every* optimal selection (reduced-cost fixing), or None if there is no selection.

        Solved on a *core*: blocks whose reduced cost is small are free, the others are
        fixed at the bound their reduced cost pushes them to. If the core's optimum P_c
        leaves ``room = upper - scale * P_c`` smaller than every fixed block's ``|rc|``,
        no selection as good as P_c can move a fixed block, so P_c is the optimum of the
        whole problem (proved, in integers); otherwise the core grows and is solved again.
        """
        m = self.m
        s_cap = None if self.strict else s_star
        full_low, full_high = np.zeros(m.B, dtype=np.int64), m.block_size.copy()
        duals = self.duals(s_star)
        if duals is None:
            sub = self.restricted(full_low, full_high, s_cap=s_cap)
            self.solves += 1
            y = sub.solve(-m.obj.astype(float), full_low, full_high, deadline=self.deadline)
            if y is None:
                return None
            return m.value(y), y, full_low, full_high
        magnitude = np.array([abs(int(r)) for r in duals.rc], dtype=float)
        cut = 0.0
        core_size = max(64, 2 * m.T + 2)
        while True:
            ordered = np.sort(magnitude)
            cut = max(cut, float(ordered[min(core_size, m.B) - 1]))
            in_core = magnitude <= cut
            low = np.where(in_core, 0, np.where(duals.rc > 0, m.block_size, 0)).astype(np.int64)
            high = np.where(in_core, m.block_size, low).astype(np.int64)
            sub = self.restricted(low, high, s_cap=s_cap)
            self.solves += 1
            y = sub.solve(-m.obj[sub.free].astype(float), low, high, deadline=self.deadline)
            everything = bool(in_core.all())
            if y is None:
                if everything:
                    return None
                core_size *= 4
                continue
            p_core = m.value(y)
            room = duals.upper - p_core * _DUAL_SCALE
            outside = magnitude[~in_core]
            if everything or (room >= 0 and bool(np.all(outside > room))):
                if int(y.sum()) != m.N or int(m.shortfalls(y).sum()) > s_star:
                    raise SolverFailed("HiGHS returned a selection that fails the exact check.")
                low, high = self.fixed_bounds(duals, p_core)
                if not (bool(np.all(y >= low)) and bool(np.all(y <= high))):
                    raise SolverFailed("The optimal selection breaks the proved bounds.")
                return p_core, y, low, high
            cut = max(cut, float(room))
            core_size = max(core_size * 2, int(np.count_nonzero(magnitude <= room)))
