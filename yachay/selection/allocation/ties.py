"""The tie-break: the lexicographically first optimal selection, found by a lottery walk.

Ties: the seeded lottery, and why the optimum is unique
=======================================================

Every candidate gets a lottery number from :func:`lottery_order`: the rank of
``SHA-256(f"{seed}:{id}")``, the same on every machine and Python version. The candidates are
then totally ordered by (priority, highest first; lottery number, lowest first) -- the
*priority order*.

Many selections can share the optimal total priority. We return the **lexicographically first
optimal selection in priority order**: walk the candidates in priority order and admit each
one if and only if *some* optimal selection admits them together with everyone admitted so far
and without anyone passed over so far. Each step is a yes/no fact about the set of optimal
selections, so the result is unique by construction: it does not depend on the solver, its
version, the order of the input, or which optimal solution the solver happens to find. (It is
the optimum of the objective ``priority + sum_i 2^-position(i)`` with the second term a
tie-break smaller than any priority difference; such weights cannot be written down for a
floating-point solver, a linear tie-break term like ``-lottery_rank`` can still tie -- ranks
``{1, 4}`` and ``{2, 3}`` sum alike -- hence the walk.)

The walk is cheap because it runs over blocks, with the solver as an oracle:

* blocks fixed by the reduced costs need no question: what every optimal selection does is
  what the walk does;
* the walk keeps lower bounds ``L_b`` (admitted so far) and closes a block once one of its
  members is passed over -- every later member of that block has the same column and
  priority and a worse lottery number, so it would be passed over too (exchange argument);
* it holds an *incumbent*, an optimal selection that respects all decisions so far, first
  chosen as close as possible to the walk's unconstrained continuation; while the incumbent
  admits the next candidate, the answer is yes at no cost;
* otherwise one exchange is tried: the incumbent gives up the not-yet-decided member with
  the worst lottery number, among same-priority blocks, whose departure keeps the targets
  (and the shortfall); that is an optimal selection too, so the answer is yes;
* otherwise HiGHS is asked for an optimal selection (``sum s <= S*``, ``sum P y >= P*``) with
  ``L_b`` one higher. A yes comes with such a selection, checked exactly, which becomes the
  incumbent; a no (a proof of infeasibility) closes the block;
* closing is monotone (bounds only tighten), so the blocks of that priority that the
  incumbent does not cover are closed in bulk when HiGHS proves that none of them can take
  one more member; and once ``N`` are admitted everything left is closed.

On the benchmark (100,000 candidates, 20,000 seats, 10 targets) the whole run takes about
twenty HiGHS solves; under the pure lottery policy, where every candidate is tied, about
seventy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, vstack

from yachay.selection.allocation.model import _Model, _Solver
from yachay.selection.allocation.problem import SolverFailed


class _Face:
    """The optimal selections (shortfall at most S*, priority at least P*), as probes."""

    def __init__(
        self, solver: _Solver, s_star: int, p_star: int, low: np.ndarray, high: np.ndarray
    ) -> None:
        self.solver = solver
        self.m = solver.m
        self.sub = solver.restricted(
            low, high, s_cap=None if solver.strict else s_star, p_floor=p_star
        )
        self.s_star = s_star
        self.p_star = p_star

    def probe(
        self,
        low: np.ndarray,
        high: np.ndarray,
        *,
        raise_blocks: np.ndarray | None = None,
        guide: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """An optimal selection within ``low <= y <= high`` (full-length arrays), or None.

        With ``raise_blocks``: one that also admits at least one more member of those
        blocks in total. With ``guide`` (full length): one agreeing with it as much as
        possible. A returned selection is checked exactly here; None means HiGHS proved
        that there is none.
        """
        m, sub = self.m, self.sub
        free, k, n_s = sub.free, sub.k, sub.n_s
        c = np.zeros(k)
        kwargs: dict[str, Any] = {}
        if raise_blocks is not None:
            # One row: at least one more member among these blocks in total. And, to learn
            # as much as possible from a yes, r_j <= y_j - low_j with r_j in [0, 1]:
            # maximise the number of blocks raised at once.
            pos = np.searchsorted(free, raise_blocks)
            q = len(pos)
            width = k + n_s + q
            at_least = np.zeros(width)
            at_least[pos] = 1.0
            link = csr_matrix(
                (
                    np.concatenate((np.ones(q), -np.ones(q))),
                    (np.tile(np.arange(q), 2), np.concatenate((k + n_s + np.arange(q), pos))),
                ),
                shape=(q, width),
            )
            kwargs = {
                "extra_cols": q,
                "extra_rows": vstack([csr_matrix(at_least[None, :]), link]).tocsr(),
                "extra_lb": np.concatenate(
                    ([float(low[raise_blocks].sum() + 1)], np.full(q, -np.inf))
                ),
                "extra_ub": np.concatenate(([np.inf], -low[raise_blocks].astype(float))),
                "extra_c": -np.ones(q),
                "extra_var_ub": np.ones(q),
                "gap": 0.25,  # any feasible point answers the question; more only helps
            }
        elif guide is not None:
            # Agreement variables w_j <= y_j, 0 <= w_j <= guide_j; maximise their sum.
            want = np.flatnonzero(guide[free] > low[free])
            g = len(want)
            if g:
                link = csr_matrix(
                    (
                        np.concatenate((-np.ones(g), np.ones(g))),
                        (np.tile(np.arange(g), 2), np.concatenate((want, k + n_s + np.arange(g)))),
                    ),
                    shape=(g, k + n_s + g),
                )
                kwargs = {
                    "extra_cols": g,
                    "extra_rows": link,
                    "extra_lb": np.full(g, -np.inf),
                    "extra_ub": np.zeros(g),
                    "extra_c": -np.ones(g),
                    "extra_var_ub": guide[free][want].astype(float),
                }
        self.solver.solves += 1
        y = sub.solve(
            c, low, high, deadline=self.solver.deadline, certificate_enough=True, **kwargs
        )
        if y is None:
            return None
        if not (
            int(y.sum()) == m.N
            and bool(np.all(y >= low))
            and bool(np.all(y <= high))
            and m.value(y) >= self.p_star
            and int(m.shortfalls(y).sum()) <= self.s_star
        ):
            raise SolverFailed("HiGHS returned a selection that fails the exact check.")
        return y


def _swap_certificate(
    m: _Model, face: _Face, incumbent: np.ndarray, low: np.ndarray, b: int
) -> np.ndarray | None:
    """Try to make room in ``incumbent`` for one more member of block ``b`` by one exchange.

    The incumbent gives up one not-yet-decided member of a block ``a`` with the same
    priority (so the total stays optimal) and the worst lottery number among those that
    can leave without breaking a target (or raising the total shortfall). Cheap, exact,
    and often enough; when it fails the solver is asked.
    """
    spare = np.flatnonzero((incumbent > low) & (m.block_prio == m.block_prio[b]))
    spare = spare[spare != b]
    if not len(spare):
        return None
    if m.T:
        counts = np.asarray(m.target_matrix @ incumbent).astype(np.int64)
        col_b = m.target_dense[:, b]
        new = counts[:, None] + col_b[:, None] - m.target_dense[:, spare]
        bound = m.bound_vec[:, None]
        short = np.where(m.is_min[:, None], np.maximum(0, bound - new), np.maximum(0, new - bound))
        ok = short.sum(axis=0) <= face.s_star
        spare = spare[ok]
        if not len(spare):
            return None
    # The member that would leave is the last one the incumbent takes from its block.
    leaving_rank = m.rank_in_blocks[m.block_start[spare] + incumbent[spare] - 1]
    a = int(spare[int(np.argmax(leaving_rank))])
    y = incumbent.copy()
    y[a] -= 1
    y[b] += 1
    return y


def _close_in_bulk(
    m: _Model,
    face: _Face,
    incumbent: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    closed: np.ndarray,
    priority: int,
    rounds: int = 3,
) -> bool:
    """Close, with few solves, the blocks of one priority level that cannot grow.

    Bounds only tighten during the walk, so a block that cannot take one more member now
    never will. Ask whether any open block of the level that the incumbent does not cover
    can grow; if none can, close them all at once; if some can, set those aside and ask
    again about the rest (a few rounds at most: this only saves solves, it decides nothing).
    Returns whether it closed anything.
    """
    todo = np.flatnonzero(~closed & (incumbent == low) & (m.block_prio == priority))
    for _ in range(rounds):
        if len(todo) < 2:
            return False
        y = face.probe(low, high, raise_blocks=todo)
        if y is None:
            high[todo] = low[todo]
            closed[todo] = True
            return True
        todo = todo[y[todo] == low[todo]]
    return False


def _lexicographic_walk(
    m: _Model,
    face: _Face,
    low: np.ndarray,
    high: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """The lexicographically first optimal selection in priority order (see module doc)."""
    low = low.copy()
    high = high.copy()
    incumbent = start.copy()
    if not (bool(np.all(incumbent >= low)) and bool(np.all(incumbent <= high))):
        raise SolverFailed("The optimal selection breaks the proved bounds.")
    order = m.order
    block_of = m.block_of
    member = m.member_index
    walked_in = np.zeros(m.B, dtype=np.int64)  # members decided in, per block, in the walk
    closed = low == high

    def continuation(position: int) -> np.ndarray:
        # Where the walk would go if no target got in the way: the next open candidates in
        # priority order until N are in. Steering the solver there keeps it agreeing with
        # the walk, so that later candidates are certified without another solve.
        rest = order[position:]
        blocks = block_of[rest]
        idx = member[rest]
        extra = (idx >= low[blocks]) & (idx < high[blocks])
        need = m.N - total
        take = rest[extra][:need]
        z = low.copy()
        np.add.at(z, block_of[take], 1)
        return z

    total = int(low.sum())
    wait, penalty = 0, 1
    # Start from the optimal selection closest to the unconstrained walk, so that most
    # candidates are certified by it alone.
    if bool(np.any(incumbent != low)):
        y = face.probe(low, high, guide=continuation(0))
        if y is None:
            raise SolverFailed("The optimal face has no selection within the proved bounds.")
        incumbent = y
    for position, i in enumerate(order):
        if total == m.N:
            break
        b = int(block_of[i])
        k = walked_in[b]
        if k < low[b]:  # proved to be in every optimal selection
            walked_in[b] += 1
            continue
        if closed[b]:
            continue
        if incumbent[b] <= low[b]:
            y = _swap_certificate(m, face, incumbent, low, b)
            if y is None:
                trial = low.copy()
                trial[b] += 1
                y = face.probe(trial, high, guide=continuation(position))
            if y is None:
                high[b] = low[b]
                closed[b] = True
                # Where blocks close one by one (each in its turn), bulk attempts are wasted
                # solves: after one that closes nothing, skip twice as many closures.
                if wait:
                    wait -= 1
                elif _close_in_bulk(m, face, incumbent, low, high, closed, int(m.block_prio[b])):
                    penalty = 1
                else:
                    penalty *= 2
                    wait = penalty
                continue
            incumbent = y
        low[b] += 1
        total += 1
        walked_in[b] += 1
        if low[b] == high[b]:
            closed[b] = True
    if int(low.sum()) != m.N:
        raise SolverFailed("The lottery walk did not reach the number of seats.")
    return low
