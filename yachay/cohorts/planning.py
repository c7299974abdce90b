"""The planning helper: how many cohorts to open, where and when. Pure and free of Django.

From the waiting enrollments -- grouped by department, preferred modality, schedule slots
and track (:class:`Demand`) -- :func:`plan_cohorts` proposes cohorts per track, modality,
department and slot, for a given capacity and number of instructors. It is a proposal: the
admin edits it and creates the cohorts, and the assignment solver
(:mod:`yachay.cohorts.assignment`) then places each learner. The rules are simple enough
to explain to the admin in a sentence each, and deterministic.

The algorithm
=============

0. Demands with the same (department, modality, slots, track) are added up, so the input's
   order and how it is split do not matter.

1. **In person**, for each (department, track) in order: among the learners of that
   department and track who prefer in person, take the slot that the most of them can
   keep (ties: the first in :data:`SLOTS` order, morning, afternoon, evening, weekend).
   If at least ``min_in_person`` learners can keep it, propose ``ceil(n / capacity)``
   cohorts there for all ``n`` of them, and repeat with the learners left. When the best
   slot has fewer than ``min_in_person`` learners, no venue is worth opening for those
   left: they join the online demand of their track, with a note ``too_few_for_venue``.

2. **Online**, for each track in order: the same greedy choice of slots over every
   remaining learner of the track, any department (those who prefer online and those
   who fell back), with no minimum -- until everyone has a slot.

3. **Instructors**: at most ``instructors * cohorts_per_instructor`` cohorts can run (an
   instructor runs up to ``cohorts_per_instructor`` cohorts at once, at different slots;
   the cap ignores which slots). While the plan has more, one cohort is removed at a time:
   the one whose removal leaves the fewest learners without a place (the emptiest cohort
   of the plan), ties to the proposal with the fewest learners per cohort, then to the
   first in output order. A proposal of ``n`` learners in ``k`` cohorts keeps
   ``min(n, (k - 1) * capacity)`` learners in ``k - 1`` cohorts. A proposal's removals
   lose a non-decreasing number of learners (its remainder, at most ``capacity``, then a
   full ``capacity`` each), so this greedy leaves the fewest learners without a place of
   all ways to remove that many cohorts. The learners removed are counted in
   :attr:`Plan.unplaced`, with a note ``not_enough_instructors``.

Rounding: ``ceil(n / capacity)`` cohorts, the learners shared evenly, so no cohort is
over capacity and, once ``n >= capacity``, none is less than half full. (The alternative,
``floor`` plus one more cohort only for a large enough remainder, would leave the
remainder's learners without a slot they can keep.) Every proposal therefore holds
``cohorts == ceil(learners / capacity)``.

Output: proposals sorted by track, modality (``in_person`` before ``virtual``),
department and slot (in :data:`SLOTS` order); notes in the order they arise. Notes are
codes with parameters; :data:`MESSAGES` has an English template per code, for
``_(MESSAGES[n.code]) % n.params`` (``department`` is the INEI code; the caller may put the
department's name in ``params`` before formatting).

Bad input (a capacity below 1, an unknown slot or modality, an empty slot set, a negative
count, ...) raises ``ValueError``: the caller builds the demands from validated data.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from yachay.cohorts.assignment import LEARNER_MODALITIES, SLOTS

TOO_FEW_FOR_VENUE = "too_few_for_venue"
NOT_ENOUGH_INSTRUCTORS = "not_enough_instructors"


def gettext_noop(message: str) -> str:
    """Return ``message``; the name marks it for ``makemessages`` without importing Django."""
    return message


#: English template per note code; the caller translates: ``_(MESSAGES[n.code]) % n.params``.
MESSAGES: dict[str, str] = {
    TOO_FEW_FOR_VENUE: gettext_noop(
        "%(learners)d learners of department %(department)s want the track %(track)s in "
        "person, too few for a venue at any slot they can keep (at least %(min_in_person)d "
        "are needed): they are proposed online."
    ),
    NOT_ENOUGH_INSTRUCTORS: gettext_noop(
        "The plan needs %(cohorts)d cohorts, that is %(needed)d instructors, and "
        "%(available)d are available (%(max_cohorts)d cohorts): %(dropped)d cohorts are "
        "left out and %(unplaced)d learners remain without a place."
    ),
}

_DEPARTMENT = re.compile(r"[0-9]{2}", re.ASCII)
_SLOT_ORDER = {slot: i for i, slot in enumerate(SLOTS)}


@dataclass(frozen=True)
class Demand:
    """``count`` waiting learners alike in department, preferred modality, slots and track."""

    department: str  # INEI code, 2 digits
    modality: str  # preferred: "virtual" or "in_person"
    slots: frozenset[str]  # non-empty subset of SLOTS
    track: str  # slug of the track chosen for the learners' segment
    count: int


@dataclass(frozen=True)
class Proposal:
    """``cohorts`` cohorts of a track at one slot, for ``learners`` learners in all."""

    track: str
    modality: str  # "virtual" or "in_person"
    department: str | None  # None for virtual cohorts
    slot: str
    cohorts: int
    learners: int

    @property
    def per_cohort(self) -> float:
        """Average learners per cohort."""
        return self.learners / self.cohorts

    def sort_key(self) -> tuple[str, str, str, int]:
        return (self.track, self.modality, self.department or "", _SLOT_ORDER[self.slot])


@dataclass(frozen=True)
class Note:
    """Something the admin should know about the plan: a code and its parameters."""

    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """The proposals, the learners left out for want of instructors, and the notes."""

    proposals: list[Proposal]
    unplaced: int
    notes: list[Note]
    learners: int  # all the learners of the demands
    capacity: int
    max_cohorts: int  # instructors * cohorts_per_instructor
    cohorts_per_instructor: int

    @property
    def learners_covered(self) -> int:
        return sum(p.learners for p in self.proposals)

    @property
    def cohorts_total(self) -> int:
        return sum(p.cohorts for p in self.proposals)

    @property
    def instructors_needed(self) -> int:
        """Instructors to run the proposed cohorts, ``cohorts_per_instructor`` each."""
        return _ceil_div(self.cohorts_total, self.cohorts_per_instructor)

    @property
    def share_covered(self) -> float:
        return self.learners_covered / self.learners if self.learners else 1.0


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _validate(
    demands: list[Demand],
    capacity: int,
    instructors: int,
    cohorts_per_instructor: int,
    min_in_person: int,
) -> None:
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    if instructors < 0:
        raise ValueError("instructors cannot be negative")
    if cohorts_per_instructor < 1:
        raise ValueError("cohorts_per_instructor must be at least 1")
    if min_in_person < 1:
        raise ValueError("min_in_person must be at least 1")
    for d in demands:
        if not _DEPARTMENT.fullmatch(d.department):
            raise ValueError(f"department {d.department!r} is not a 2-digit INEI code")
        if d.modality not in LEARNER_MODALITIES:
            raise ValueError(f"unknown modality {d.modality!r}")
        if not d.slots or not d.slots <= set(SLOTS):
            raise ValueError(f"slots {sorted(d.slots)!r} must be a non-empty subset of {SLOTS}")
        if not d.track:
            raise ValueError("a demand needs a track")
        if d.count < 0:
            raise ValueError(f"negative count {d.count}")


def _best_slot(pool: Counter[frozenset[str]]) -> tuple[str, int]:
    """The slot most learners of ``pool`` can keep, and how many; ties to the first slot."""
    keep = {slot: sum(n for slots, n in pool.items() if slot in slots) for slot in SLOTS}
    best = max(SLOTS, key=lambda slot: keep[slot])  # max keeps the first of equals
    return best, keep[best]


def _take(pool: Counter[frozenset[str]], slot: str) -> None:
    for slots in [s for s in pool if slot in s]:
        del pool[slots]


def plan_cohorts(
    demands: Iterable[Demand],
    *,
    capacity: int,
    instructors: int,
    cohorts_per_instructor: int = 2,
    min_in_person: int | None = None,
) -> Plan:
    """Propose cohorts for the demands; see the module docstring for the rules.

    ``min_in_person`` defaults to half the capacity, rounded up. Raises ``ValueError`` on
    bad input.
    """
    demands = list(demands)
    if min_in_person is None:
        min_in_person = _ceil_div(capacity, 2)
    _validate(demands, capacity, instructors, cohorts_per_instructor, min_in_person)

    in_person: dict[tuple[str, str], Counter[frozenset[str]]] = defaultdict(Counter)
    online: dict[str, Counter[frozenset[str]]] = defaultdict(Counter)
    for d in demands:
        if d.count == 0:
            continue
        if d.modality == "in_person":
            in_person[(d.department, d.track)][d.slots] += d.count
        else:
            online[d.track][d.slots] += d.count
    total = sum(d.count for d in demands)

    proposals: list[Proposal] = []
    notes: list[Note] = []
    for department, track in sorted(in_person):
        pool = in_person[(department, track)]
        while pool:
            slot, n = _best_slot(pool)
            if n < min_in_person:
                break
            proposals.append(
                Proposal(track, "in_person", department, slot, _ceil_div(n, capacity), n)
            )
            _take(pool, slot)
        if pool:
            params = {
                "department": department,
                "track": track,
                "learners": sum(pool.values()),
                "min_in_person": min_in_person,
            }
            notes.append(Note(TOO_FEW_FOR_VENUE, params))
            online[track].update(pool)

    for track in sorted(online):
        pool = online[track]
        while pool:
            slot, n = _best_slot(pool)
            proposals.append(Proposal(track, "virtual", None, slot, _ceil_div(n, capacity), n))
            _take(pool, slot)

    max_cohorts = instructors * cohorts_per_instructor
    proposals.sort(key=Proposal.sort_key)
    fitted = _fit(proposals, max_cohorts, capacity)
    unplaced = sum(p.learners for p in proposals) - sum(p.learners for p in fitted)
    cohorts = sum(p.cohorts for p in proposals)
    if cohorts > max_cohorts:
        params = {
            "cohorts": cohorts,
            "needed": _ceil_div(cohorts, cohorts_per_instructor),
            "available": instructors,
            "max_cohorts": max_cohorts,
            "dropped": cohorts - max_cohorts,
            "unplaced": unplaced,
        }
        notes.append(Note(NOT_ENOUGH_INSTRUCTORS, params))
    return Plan(
        proposals=fitted,
        unplaced=unplaced,
        notes=notes,
        learners=total,
        capacity=capacity,
        max_cohorts=max_cohorts,
        cohorts_per_instructor=cohorts_per_instructor,
    )


def _fit(proposals: list[Proposal], max_cohorts: int, capacity: int) -> list[Proposal]:
    """The proposals cut down to ``max_cohorts`` cohorts, emptiest cohort first."""
    excess = sum(p.cohorts for p in proposals) - max_cohorts
    if excess <= 0:
        return proposals
    cohorts = [p.cohorts for p in proposals]
    learners = [p.learners for p in proposals]

    def entry(i: int) -> tuple[int, Fraction, int]:
        kept = min(learners[i], (cohorts[i] - 1) * capacity)
        return (learners[i] - kept, Fraction(learners[i], cohorts[i]), i)

    heap = [entry(i) for i in range(len(proposals))]
    heapq.heapify(heap)
    for _ in range(excess):
        _, _, i = heapq.heappop(heap)
        cohorts[i] -= 1
        learners[i] = min(learners[i], cohorts[i] * capacity)
        if cohorts[i]:
            heapq.heappush(heap, entry(i))
    return [
        Proposal(p.track, p.modality, p.department, p.slot, cohorts[i], learners[i])
        for i, p in enumerate(proposals)
        if cohorts[i]
    ]
