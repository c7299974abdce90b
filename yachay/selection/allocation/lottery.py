"""The seeded lottery: reproducible numbers that order candidates of equal priority.

Every candidate's number is the rank of ``SHA-256(f"{seed}:{id}")``, the same on every
machine and Python version; see the ties module for how the exact solve uses it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

from yachay.selection.allocation.problem import CandidateId


def lottery_order(ids: Iterable[CandidateId], seed: str | int) -> dict[CandidateId, int]:
    """Lottery numbers: rank 1, 2, ... by ``SHA-256(f"{seed}:{id}")``, smallest digest first.

    Reproducible on every machine and Python version: it depends only on the UTF-8 text of
    the seed and of ``str(id)`` (so the id ``7`` and the id ``"7"`` draw the same number).
    Ids must be unique by ``str(id)``.
    """
    ids = list(ids)
    prefix = hashlib.sha256(f"{seed}:".encode())
    digests = []
    for i in ids:
        h = prefix.copy()
        h.update(str(i).encode())
        digests.append(h.digest())
    order = sorted(range(len(ids)), key=digests.__getitem__)
    return {ids[k]: rank for rank, k in enumerate(order, start=1)}


def _lottery_ranks(ids: Sequence[CandidateId], seed: str | int) -> np.ndarray:
    """:func:`lottery_order` as an array aligned with ``ids``."""
    ranks = lottery_order(ids, seed)
    return np.fromiter((ranks[i] for i in ids), dtype=np.int64, count=len(ids))


def lottery_priorities(ids: Iterable[CandidateId], seed: str | int) -> dict[CandidateId, float]:
    """A pure lottery as priorities: ``n + 1 - lottery number`` (number 1 is the highest).

    Selecting with these priorities and with ``policy="lottery"`` (all priorities equal, the
    lottery alone ordering) gives the same order of candidates; the policy is the cleaner
    way, since the objective then says nothing but "meet the targets".
    """
    ranks = lottery_order(ids, seed)
    n = len(ranks)
    return {i: float(n + 1 - r) for i, r in ranks.items()}
