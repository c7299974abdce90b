"""The randomisation band of a selection run: who was admitted or waitlisted by the lottery.

Pure (no Django): it takes what a run stores -- the canonical inputs (candidates with their
priorities and target attributes, targets, seed, policy) and the ordered decisions -- and
recomputes, from those alone, which decisions the seeded lottery made.

What "decided by the lottery" means here
=========================================

The solver (``selection.allocation``) works over *blocks*: candidates with the same values
on every dimension some target mentions (gender, department group, department, segment)
and the same rounded priority. Members of one block are interchangeable for the integer
program -- same column in every target row, same coefficient in the objective -- so the
program only decides *how many* of each block are admitted, ``y_b``; *which* ones is
decided by the lottery: the ``y_b`` members with the best lottery numbers
(``SHA-256(f"{seed}:{id}")``). That is the only place where the lottery picks people.

So the band is the union of the blocks that the cut-off crosses (``0 < y_b < size_b``):
within such a block everyone had the same priority and the same standing under every
target, and only their lottery numbers put some above the cut and some below. Each such
block is a **stratum**. Blocks entirely admitted or entirely waitlisted are not in the band:
nothing about them was left to chance *given* the counts.

Why this is a randomised experiment (conditional on the counts ``y``): lottery numbers are
a hash, as good as a uniformly random order. Swapping the lottery numbers of two members of
one block changes nothing the program sees (their columns are identical), so ``y`` stays
the same and the two simply trade places. Hence, given ``y``, the admitted members of block
``b`` are a uniformly random subset of size ``y_b``, independently across blocks. The
assignment probability ``y_b / size_b`` differs between strata, which is why the estimator
compares within strata (strata fixed effects).

Why not coarser strata (only the targets that bind)? Merging blocks that differ on a
target's dimension is valid only if that target never steered the lottery walk between
them, which depends on the draw itself; the solver's blocks are always valid, and a block
with a single arm simply contributes nothing. Finer strata cost a few degrees of freedom,
not bias.

Arms: ``treatment`` = admitted by the run, ``control`` = waitlisted by the run. A
waitlisted member later promoted (a freed seat) stays in the control arm -- the lottery
assigned them there; being promoted is take-up, decided after the draw by other people's
declines, and dropping them would condition on it. The report counts them apart and the
instrumental-variable estimate accounts for them.

Checks (:func:`compute_band` raises :class:`BandMismatch`): the stored decisions must
cover every candidate exactly once, and within every block the admitted must be exactly
the members with the best lottery numbers. A full re-solve of the run
(``selection_verify``) is the stronger check; :func:`compute_band` does not need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np

from yachay.selection.allocation import (
    PRIORITY_DECIMALS,
    SelectionProblem,
    lottery_order,
)

TREATMENT = "treatment"
CONTROL = "control"


class BandMismatch(ValueError):
    """The stored decisions are not what the stored inputs and the lottery give."""


@dataclass(frozen=True)
class Stratum:
    """One block crossed by the cut-off: its attributes, priority and arm sizes."""

    index: int
    attributes: tuple[tuple[str, str | None], ...]
    priority: float
    size: int
    admitted: int

    @property
    def waitlisted(self) -> int:
        return self.size - self.admitted

    @property
    def probability(self) -> float:
        """The chance of admission within the stratum, given the count admitted."""
        return self.admitted / self.size


@dataclass(frozen=True)
class Member:
    """One applicant in the band: arm, stratum and lottery number (1 = best in the run)."""

    id: int | str
    arm: str
    stratum: int
    lottery_number: int


@dataclass(frozen=True)
class Band:
    """The randomisation band of one run."""

    seed: str
    policy: str
    candidates: int
    admitted: int
    blocks: int
    strata: tuple[Stratum, ...]
    members: tuple[Member, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def treatment(self) -> int:
        return sum(s.admitted for s in self.strata)

    @property
    def control(self) -> int:
        return sum(s.waitlisted for s in self.strata)

    @property
    def empty(self) -> bool:
        return not self.members


def _scaled(priorities: Sequence[float], policy: str) -> np.ndarray:
    """Priorities in integer units, as the solver compares them (zeros under a lottery)."""
    if policy == "lottery":
        return np.zeros(len(priorities), dtype=np.int64)
    units: dict[float, int] = {}
    for p in set(priorities):
        d = Decimal(repr(float(p))).scaleb(PRIORITY_DECIMALS)
        units[p] = int(d.to_integral_value(rounding=ROUND_HALF_EVEN))
    return np.fromiter((units[p] for p in priorities), dtype=np.int64, count=len(priorities))


def compute_band(
    problem: SelectionProblem | Mapping[str, Any],
    admitted: Iterable[int | str],
    waitlist: Iterable[int | str],
) -> Band:
    """The band from a run's stored inputs and decisions (see the module doc).

    ``problem`` is the :class:`SelectionProblem` or its ``to_dict()`` form (the JSON a run
    stores, already parsed: reading it as rows is much faster than building candidates).
    """
    data = problem.to_dict() if isinstance(problem, SelectionProblem) else dict(problem)
    names = list(data["attributes"])
    rows = data["candidates"]
    ids = [r[0] for r in rows]
    n = len(ids)
    policy = str(data["policy"])
    seed = str(data["seed"])
    dims = sorted({t["dimension"] for t in data["targets"]})

    admitted_keys = [str(i) for i in admitted]
    waitlist_keys = [str(i) for i in waitlist]
    index = {str(i): k for k, i in enumerate(ids)}
    if len(index) != n:
        raise BandMismatch("Candidate ids repeat in the stored inputs.")
    chosen = np.zeros(n, dtype=bool)
    seen = np.zeros(n, dtype=bool)
    for key, flag in [(k, True) for k in admitted_keys] + [(k, False) for k in waitlist_keys]:
        k = index.get(key)
        if k is None:
            raise BandMismatch(f"Decision for {key!r}, who is not among the stored candidates.")
        if seen[k]:
            raise BandMismatch(f"Two decisions for {key!r}.")
        seen[k] = True
        chosen[k] = flag
    if not seen.all():
        raise BandMismatch("Some stored candidates have no decision.")
    if n == 0:
        return Band(seed, policy, 0, 0, 0, (), ())

    ranks = lottery_order(ids, seed)
    rank = np.fromiter((ranks[i] for i in ids), dtype=np.int64, count=n)
    prio = _scaled([float(r[1]) for r in rows], policy)
    columns = [names.index(d) + 2 if d in names else None for d in dims]
    group_index: dict[tuple[Any, ...], int] = {}
    group = np.fromiter(
        (
            group_index.setdefault(
                tuple(r[c] if c is not None else None for c in columns), len(group_index)
            )
            for r in rows
        ),
        dtype=np.int64,
        count=n,
    )
    keys = list(group_index)
    # Blocks: contiguous after sorting by (group, priority desc, lottery number).
    order = np.lexsort((rank, -prio, group))
    g, p = group[order], prio[order]
    starts = np.flatnonzero(np.concatenate(([True], (g[1:] != g[:-1]) | (p[1:] != p[:-1]))))
    ends = np.append(starts[1:], n)
    chosen_sorted = chosen[order]
    admitted_per_block = np.add.reduceat(chosen_sorted.astype(np.int64), starts)
    sizes = ends - starts
    # Within each block the admitted must be the first y_b in lottery order.
    position = np.arange(n) - np.repeat(starts, sizes)
    expected = position < np.repeat(admitted_per_block, sizes)
    if not np.array_equal(expected, chosen_sorted):
        bad = order[np.flatnonzero(expected != chosen_sorted)[0]]
        raise BandMismatch(
            f"Within its block, candidate {ids[bad]!r} was "
            f"{'admitted' if chosen[bad] else 'waitlisted'} against the lottery order."
        )

    crossed = np.flatnonzero((admitted_per_block > 0) & (admitted_per_block < sizes))
    strata: list[Stratum] = []
    members: list[Member] = []
    for s, b in enumerate(crossed):
        lo, hi = int(starts[b]), int(ends[b])
        values = keys[int(g[lo])]
        strata.append(
            Stratum(
                index=s,
                attributes=tuple(zip(dims, values, strict=True)),
                priority=float(Decimal(int(p[lo])).scaleb(-PRIORITY_DECIMALS)),
                size=hi - lo,
                admitted=int(admitted_per_block[b]),
            )
        )
        for k in order[lo:hi]:
            members.append(
                Member(
                    id=ids[k],
                    arm=TREATMENT if chosen[k] else CONTROL,
                    stratum=s,
                    lottery_number=int(rank[k]),
                )
            )
    return Band(
        seed=seed,
        policy=policy,
        candidates=n,
        admitted=int(chosen.sum()),
        blocks=len(starts),
        strata=tuple(strata),
        members=tuple(members),
    )
