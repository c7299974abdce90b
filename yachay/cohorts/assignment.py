"""Assignment of learners to cohorts: an exact min-cost flow, pure and free of Django.

The problem
===========

Each learner (a waiting enrollment) has a department ("08"), a preferred modality
("virtual" or "in_person"), the schedule slots they can keep (a non-empty subset of
:data:`SLOTS`) and a segment ("sme_owner"). Each cohort has a track, a modality ("virtual",
"in_person" or "hybrid"), a department (``None`` for virtual cohorts), one slot, a capacity
and the audience of its track (a set of segments; empty means everyone).

A learner *may* join a cohort (the pair is *feasible*) when

* the cohort's slot is one the learner chose;
* the track's audience is empty or contains the learner's segment;
* the cohort is virtual; or it is in person in the learner's own department; or it is
  hybrid (in person in its department, online for anyone else).

The learner then *attends* in person (an in-person cohort, or a hybrid one in their
department when they prefer in person) or online (everything else).

Weights
=======

Every placement scores by how the learner attends against what they asked for
(:func:`preference_score`):

====================  ===============  =====  ==========================================
preferred             attends          score  why
====================  ===============  =====  ==========================================
in_person             in person        2      what they asked for
virtual               online           2      what they asked for
in_person             online           1      a place, without the venue they wanted
virtual               in person        0      allowed, but travel may be hard for them
====================  ===============  =====  ==========================================

:func:`assign` maximises, lexicographically, first the number of learners placed and then
the total score. It is solved in two exact stages rather than with a big-M weight (``M``
would have to exceed the largest total score, ``2 * n``, so that one more placement
outweighs any gain in preferences; objective values near ``M * n`` ~ 10^9 leave little room
for a floating-point solver's tolerances):

A. the most learners that can be placed, ``P*``: a maximum flow source -> class -> cohort
   -> sink in integer arithmetic (:func:`scipy.sparse.csgraph.maximum_flow`);
B. the largest total score among placements of exactly ``P*`` learners: a transportation
   problem solved by HiGHS (:func:`scipy.optimize.linprog`, simplex, so the answer is a
   vertex). It is a min-cost flow with a fixed flow value, so its constraint matrix is
   totally unimodular and every vertex is integral. The answer is nevertheless rounded only
   after checking that it is integral to 1e-6, then checked in integers (capacities,
   feasibility, ``P*`` placed); if the LP ever came back fractional the integer program
   is solved instead (:func:`scipy.optimize.milp`, zero gap), and any failed check raises
   :class:`SolverFailed` rather than return a wrong answer.

Classes
=======

Learners with the same (department, preferred modality, slot set, segment) have identical
feasible cohorts and scores, so the model works on these *classes* (a few hundred to two
thousand for 20,000 learners) rather than on learners: variable ``x[k, g]`` is how many of
class ``k`` go to cohort group ``g`` (below). The members of a class are then handed out in
id order to its groups in order, so the result depends only on the input, not on its order.

Likewise, cohorts alike in everything a learner sees (modality, department, slot,
audience) form one *group* in the model, with the group's free places as capacity; the
learners a group receives fill its cohorts in id order. With 600 cohorts this cuts the
model from ~300,000 class-cohort variables to ~45,000 (a solve of ~3 s instead of minutes).

Keeping existing placements
===========================

Unless ``reoptimise=True``, a learner whose current cohort still exists and is still
feasible for them stays there (in learner-id order while the cohort has room: a capacity
lowered below its learners keeps the first ones), the cohort's capacity is reduced by the
learners kept, and only the others are assigned.

Unplaced learners
=================

No learner is dropped silently: every unplaced learner comes back with a :class:`Reason`
whose ``code`` and ``params`` let the caller write the sentence in any language:

* ``no_cohort`` -- no cohort at all at their slots where they could attend (no virtual or
  hybrid cohort at those slots, and none in person in their department); params
  ``department``, ``modality`` (preferred), ``slots``;
* ``no_track_for_segment`` -- such cohorts exist, but no track among them is open to their
  segment; params ``segment``, ``department``, ``slots``;
* ``cohorts_full`` -- feasible cohorts exist, and every one of them is full (after an
  optimal assignment this is always the case for an unplaced learner with feasible
  cohorts: a cohort with room would give a larger flow); params ``department``,
  ``modality``, ``slots``, ``cohorts`` (their ids).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import maximum_flow

SLOTS: tuple[str, ...] = ("morning", "afternoon", "evening", "weekend")
LEARNER_MODALITIES: tuple[str, ...] = ("virtual", "in_person")
COHORT_MODALITIES: tuple[str, ...] = ("virtual", "in_person", "hybrid")

#: Score of a placement by (preferred modality, attended modality); see the module docstring.
SCORES: dict[tuple[str, str], int] = {
    ("in_person", "in_person"): 2,
    ("virtual", "virtual"): 2,
    ("in_person", "virtual"): 1,
    ("virtual", "in_person"): 0,
}
BEST_SCORE = 2

NO_COHORT = "no_cohort"
NO_TRACK_FOR_SEGMENT = "no_track_for_segment"
COHORTS_FULL = "cohorts_full"


class SolverFailed(RuntimeError):
    """The solver's answer did not pass the integer checks (never returned as a result)."""


@dataclass(frozen=True)
class Learner:
    """A waiting enrollment, as plain data."""

    id: int
    department: str
    modality: str  # preferred: "virtual" or "in_person"
    slots: frozenset[str]
    segment: str
    current_cohort_id: int | None = None


@dataclass(frozen=True)
class Cohort:
    """A cohort open for assignment, as plain data."""

    id: int
    track_id: int | str
    modality: str  # "virtual", "in_person" or "hybrid"
    department: str | None  # None for virtual cohorts
    slot: str
    capacity: int
    audience: frozenset[str] = frozenset()  # segments of the track; empty = everyone


@dataclass(frozen=True)
class Reason:
    """Why a learner was not placed: a code and parameters for the caller's sentence."""

    code: str
    params: dict[str, Any]

    @property
    def message(self) -> str:
        """A plain English sentence, for logs and the command line."""
        p = self.params
        slots = ", ".join(p.get("slots", []))
        if self.code == NO_COHORT:
            where = (
                f"in person in department {p['department']}"
                if p["modality"] == "in_person"
                else "online"
            )
            return f"no cohort {where} (nor any online) at {slots}"
        if self.code == NO_TRACK_FOR_SEGMENT:
            return f"no track open to segment {p['segment']} at {slots}"
        return f"all {len(p['cohorts'])} cohorts open to this learner at {slots} are full"


@dataclass(frozen=True)
class Figures:
    """What an operator reads after a run."""

    learners: int
    placed: int
    kept: int  # of the placed, how many stayed in their current cohort
    preferred_modality: int  # placed learners attending in the modality they prefer
    chosen_slot: int  # placed learners in a slot they chose (all of them, by construction)
    preference_score: int  # total score, see SCORES
    solve_seconds: float
    solver: str

    @property
    def unplaced(self) -> int:
        return self.learners - self.placed

    @property
    def share_placed(self) -> float:
        return self.placed / self.learners if self.learners else 1.0

    @property
    def share_preferred_modality(self) -> float:
        """Share of *all* learners placed in the modality they prefer."""
        return self.preferred_modality / self.learners if self.learners else 1.0

    @property
    def share_chosen_slot(self) -> float:
        """Share of the placed learners in a slot they chose."""
        return self.chosen_slot / self.placed if self.placed else 1.0


@dataclass(frozen=True)
class AssignmentResult:
    """Placements, the unplaced with their reasons, and the figures."""

    placements: dict[int, int]  # learner id -> cohort id
    attends: dict[int, str]  # learner id -> "in_person" / "virtual"
    unplaced: list[tuple[int, Reason]]
    figures: Figures
    info: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- feasibility and score


def attended_modality(learner: Learner, cohort: Cohort) -> str | None:
    """How ``learner`` would attend ``cohort`` ("in_person"/"virtual"), None if they cannot.

    Only place and slot; the track's audience is checked by :func:`is_feasible`.
    """
    if cohort.slot not in learner.slots:
        return None
    return _attends(learner.department, learner.modality, cohort)


def _attends(department: str, preferred: str, cohort: Cohort) -> str | None:
    if cohort.modality == "virtual":
        return "virtual"
    if cohort.department != department:
        return "virtual" if cohort.modality == "hybrid" else None
    if cohort.modality == "in_person":
        return "in_person"
    return preferred  # hybrid in their own department: as they prefer


def is_feasible(learner: Learner, cohort: Cohort) -> bool:
    """May ``learner`` be placed in ``cohort``? (slot, place, track audience)."""
    return (not cohort.audience or learner.segment in cohort.audience) and (
        attended_modality(learner, cohort) is not None
    )


def preference_score(learner: Learner, cohort: Cohort) -> int:
    """The score of placing ``learner`` in ``cohort`` (which must be feasible)."""
    attends = attended_modality(learner, cohort)
    if attends is None:
        raise ValueError(f"cohort {cohort.id} is not feasible for learner {learner.id}")
    return SCORES[(learner.modality, attends)]


def _validate(learners: Sequence[Learner], cohorts: Sequence[Cohort]) -> None:
    if len({lr.id for lr in learners}) != len(learners):
        raise ValueError("duplicate learner ids")
    if len({c.id for c in cohorts}) != len(cohorts):
        raise ValueError("duplicate cohort ids")
    for lr in learners:
        if lr.modality not in LEARNER_MODALITIES:
            raise ValueError(f"learner {lr.id}: unknown modality {lr.modality!r}")
        if not lr.slots or not lr.slots <= set(SLOTS):
            raise ValueError(f"learner {lr.id}: slots must be a non-empty subset of {SLOTS}")
    for c in cohorts:
        if c.modality not in COHORT_MODALITIES:
            raise ValueError(f"cohort {c.id}: unknown modality {c.modality!r}")
        if c.slot not in SLOTS:
            raise ValueError(f"cohort {c.id}: unknown slot {c.slot!r}")
        if c.capacity < 0:
            raise ValueError(f"cohort {c.id}: negative capacity")
        if (c.modality == "virtual") != (c.department is None):
            raise ValueError(f"cohort {c.id}: a department for in-person and hybrid only")


def _sorted_slots(slots: Iterable[str]) -> list[str]:
    return [s for s in SLOTS if s in slots]


# ---------------------------------------------------------------- classes and arcs

_Key = tuple[str, str, frozenset[str], str]  # department, preferred modality, slots, segment


def _key(learner: Learner) -> _Key:
    return (learner.department, learner.modality, learner.slots, learner.segment)


def _class_order(key: _Key) -> tuple[str, str, list[str], str]:
    return (key[0], key[1], _sorted_slots(key[2]), key[3])


class _CohortIndex:
    """Cohorts by slot, for finding a class's feasible cohorts without scanning them all."""

    def __init__(self, cohorts: Sequence[Cohort]) -> None:
        self.anywhere: dict[str, list[Cohort]] = defaultdict(list)  # virtual and hybrid
        self.local: dict[tuple[str, str | None], list[Cohort]] = defaultdict(list)
        for c in cohorts:
            if c.modality != "in_person":
                self.anywhere[c.slot].append(c)
            if c.modality != "virtual":
                self.local[(c.slot, c.department)].append(c)

    def reachable(self, key: _Key) -> list[Cohort]:
        """Cohorts at the class's slots it could attend, ignoring audience; by id."""
        department, _, slots, _ = key
        found: dict[int, Cohort] = {}
        for slot in slots:
            for c in self.anywhere.get(slot, ()):
                found[c.id] = c
            for c in self.local.get((slot, department), ()):
                found[c.id] = c
        return [found[i] for i in sorted(found)]


def _arcs(key: _Key, index: _CohortIndex) -> list[tuple[Cohort, int, str]]:
    """Feasible cohorts of a class, by id, with the score and the attended modality."""
    department, preferred, _, segment = key
    out = []
    for c in index.reachable(key):
        if c.audience and segment not in c.audience:
            continue
        attends = _attends(department, preferred, c)
        assert attends is not None
        out.append((c, SCORES[(preferred, attends)], attends))
    return out


def _reason(key: _Key, index: _CohortIndex) -> Reason:
    department, preferred, slots, segment = key
    arcs = _arcs(key, index)
    if arcs:
        params: dict[str, Any] = {
            "department": department,
            "modality": preferred,
            "slots": _sorted_slots(slots),
            "cohorts": [c.id for c, _, _ in arcs],
        }
        return Reason(COHORTS_FULL, params)
    if index.reachable(key):
        params = {"segment": segment, "department": department, "slots": _sorted_slots(slots)}
        return Reason(NO_TRACK_FOR_SEGMENT, params)
    params = {"department": department, "modality": preferred, "slots": _sorted_slots(slots)}
    return Reason(NO_COHORT, params)


# ---------------------------------------------------------------- the solver


def _keep(
    learners: Sequence[Learner], by_id: dict[int, Cohort], reoptimise: bool
) -> tuple[dict[int, int], dict[int, int]]:
    """Placements kept, and the room they use per cohort."""
    kept: dict[int, int] = {}
    used: dict[int, int] = defaultdict(int)
    if reoptimise:
        return kept, used
    for lr in learners:
        c = by_id.get(lr.current_cohort_id) if lr.current_cohort_id is not None else None
        if c is not None and is_feasible(lr, c) and used[c.id] < c.capacity:
            kept[lr.id] = c.id
            used[c.id] += 1
    return kept, used


def _max_flow(sizes: list[int], arcs: list[tuple[int, int]], room: list[int]) -> int:
    """Most learners placeable: integer max flow source -> classes -> cohorts -> sink."""
    n_k, n_c = len(sizes), len(room)
    source, sink = 0, 1 + n_k + n_c
    rows = [source] * n_k + [1 + k for k, _ in arcs] + [1 + n_k + j for j in range(n_c)]
    cols = [1 + k for k in range(n_k)] + [1 + n_k + c for _, c in arcs] + [sink] * n_c
    caps = sizes + [sizes[k] for k, _ in arcs] + room
    if not caps:
        return 0
    graph = csr_matrix(
        (np.array(caps, dtype=np.int32), (np.array(rows), np.array(cols))),
        shape=(sink + 1, sink + 1),
    )
    return int(maximum_flow(graph, source, sink).flow_value)


def _best_score(
    sizes: list[int],
    arcs: list[tuple[int, int]],
    scores: list[int],
    room: list[int],
    placed: int,
) -> tuple[list[int], str]:
    """Integer counts per arc: most total score with exactly ``placed`` placed."""
    n_a = len(arcs)
    a_idx = np.arange(n_a)
    k_of = np.array([k for k, _ in arcs])
    c_of = np.array([c for _, c in arcs])
    n_k, n_c = len(sizes), len(room)
    a = coo_matrix(
        (
            np.ones(3 * n_a),
            (
                np.concatenate([k_of, n_k + c_of, np.full(n_a, n_k + n_c)]),
                np.concatenate([a_idx, a_idx, a_idx]),
            ),
        ),
        shape=(n_k + n_c + 1, n_a),
    ).tocsr()
    upper = np.array([*sizes, *room, placed], dtype=float)
    lower = np.array([0.0] * (n_k + n_c) + [placed])
    cost = -np.array(scores, dtype=float)
    res = linprog(
        cost,
        A_ub=a[: n_k + n_c],
        b_ub=upper[: n_k + n_c],
        A_eq=a[n_k + n_c :],
        b_eq=[placed],
        bounds=(0, None),
        method="highs-ds",
    )
    if res.status == 0 and np.all(np.abs(res.x - np.round(res.x)) <= 1e-6):
        return [int(v) for v in np.round(res.x)], "HiGHS dual simplex (LP, integral vertex)"
    res = milp(
        cost,
        constraints=LinearConstraint(a, lower, upper),
        integrality=np.ones(n_a),
        bounds=Bounds(0, np.inf),
        options={"mip_rel_gap": 0},
    )
    if res.status != 0 or res.x is None:
        raise SolverFailed(f"HiGHS: {res.message}")
    return [int(v) for v in np.round(res.x)], "HiGHS MIP (LP was fractional)"


def assign(
    learners: Sequence[Learner], cohorts: Sequence[Cohort], *, reoptimise: bool = False
) -> AssignmentResult:
    """Place learners in cohorts: most placed first, then best preference score.

    Existing feasible placements are kept unless ``reoptimise``. See the module docstring
    for feasibility, the weights, the two exact stages and the reasons for the unplaced.
    Raises ``ValueError`` on malformed input and :class:`SolverFailed` if the solver's
    answer fails the integer checks.
    """
    started = time.perf_counter()
    _validate(learners, cohorts)
    learners = sorted(learners, key=lambda lr: lr.id)
    cohorts = sorted(cohorts, key=lambda c: c.id)
    by_id = {c.id: c for c in cohorts}
    kept, used = _keep(learners, by_id, reoptimise)

    members: dict[_Key, list[Learner]] = defaultdict(list)
    for lr in learners:
        if lr.id not in kept:
            members[_key(lr)].append(lr)
    keys = sorted(members, key=_class_order)
    index = _CohortIndex(cohorts)
    room = {c.id: c.capacity - used[c.id] for c in cohorts}
    # Cohorts alike in everything a learner sees form a group; each group stands in the
    # model as one cohort, whose id is its position and whose capacity is the group's room.
    alike: dict[tuple[str, str | None, str, frozenset[str]], list[Cohort]] = defaultdict(list)
    for c in cohorts:
        alike[(c.modality, c.department, c.slot, c.audience)].append(c)
    groups = list(alike.values())
    reps = [replace(g[0], id=j, capacity=sum(room[c.id] for c in g)) for j, g in enumerate(groups)]
    group_index = _CohortIndex(reps)
    sizes = [len(members[k]) for k in keys]
    arcs: list[tuple[int, int]] = []
    scores: list[int] = []
    for k, key in enumerate(keys):
        for rep, score, _ in _arcs(key, group_index):
            arcs.append((k, rep.id))
            scores.append(score)

    group_room = [rep.capacity for rep in reps]
    placed_max = _max_flow(sizes, arcs, group_room)
    counts: list[int] = [0] * len(arcs)
    how = "nothing to place"
    if placed_max:
        counts, how = _best_score(sizes, arcs, scores, group_room, placed_max)

    # Hand out: a class's members in id order to its groups in order, and within a group,
    # cohorts filled in id order.
    placements = dict(kept)
    handed: dict[int, int] = defaultdict(int)  # class -> members handed out so far
    filling = [0] * len(groups)  # group -> position of the cohort being filled
    for a, n in enumerate(counts):
        k, j = arcs[a]
        for lr in members[keys[k]][handed[k] : handed[k] + n]:
            while room[groups[j][filling[j]].id] <= 0:
                filling[j] += 1
            cid = groups[j][filling[j]].id
            placements[lr.id] = cid
            room[cid] -= 1
        handed[k] += n

    unplaced: list[tuple[int, Reason]] = []
    for k, key in enumerate(keys):
        rest = members[key][handed[k] :]
        if rest:
            reason = _reason(key, index)
            unplaced.extend((lr.id, reason) for lr in rest)
    unplaced.sort(key=lambda t: t[0])

    result = _result(
        learners,
        by_id,
        placements,
        unplaced,
        kept,
        started,
        f"max flow (scipy.sparse.csgraph) + {how}",
        {
            "classes": len(keys),
            "cohort_groups": len(groups),
            "arcs": len(arcs),
            "max_placeable": placed_max,
            "reoptimise": reoptimise,
        },
    )
    if result.figures.placed - len(kept) != placed_max:
        raise SolverFailed("the solver placed fewer learners than the maximum flow")
    return result


def greedy_first_fit(learners: Sequence[Learner], cohorts: Sequence[Cohort]) -> AssignmentResult:
    """The baseline: learners in id order, each to the first cohort (in id order) with room.

    A cohort where the learner attends in their preferred modality is taken first; only
    when there is none with room, the first feasible cohort with room. Current cohorts are
    ignored.
    """
    started = time.perf_counter()
    _validate(learners, cohorts)
    learners = sorted(learners, key=lambda lr: lr.id)
    cohorts = sorted(cohorts, key=lambda c: c.id)
    by_id = {c.id: c for c in cohorts}
    index = _CohortIndex(cohorts)
    room = {c.id: c.capacity for c in cohorts}
    arcs_of: dict[_Key, list[tuple[Cohort, int, str]]] = {}
    placements: dict[int, int] = {}
    unplaced: list[tuple[int, Reason]] = []
    for lr in learners:
        key = _key(lr)
        if key not in arcs_of:
            arcs_of[key] = _arcs(key, index)
        arcs = arcs_of[key]
        chosen = next((c for c, s, _ in arcs if s == BEST_SCORE and room[c.id] > 0), None)
        if chosen is None:
            chosen = next((c for c, _, _ in arcs if room[c.id] > 0), None)
        if chosen is None:
            unplaced.append((lr.id, _reason(key, index)))
        else:
            placements[lr.id] = chosen.id
            room[chosen.id] -= 1
    return _result(learners, by_id, placements, unplaced, {}, started, "greedy first-fit", {})


def _result(
    learners: Sequence[Learner],
    by_id: dict[int, Cohort],
    placements: dict[int, int],
    unplaced: list[tuple[int, Reason]],
    kept: dict[int, int],
    started: float,
    solver: str,
    info: dict[str, Any],
) -> AssignmentResult:
    """Check the placements in integers and compute the figures."""
    load: dict[int, int] = defaultdict(int)
    attends: dict[int, str] = {}
    preferred = chosen_slot = score = 0
    for lr in learners:
        cid = placements.get(lr.id)
        if cid is None:
            continue
        c = by_id[cid]
        if not is_feasible(lr, c):
            raise SolverFailed(f"learner {lr.id} placed in infeasible cohort {cid}")
        load[cid] += 1
        how = attended_modality(lr, c)
        assert how is not None
        attends[lr.id] = how
        preferred += how == lr.modality
        chosen_slot += c.slot in lr.slots
        score += SCORES[(lr.modality, how)]
    for cid, n in load.items():
        if n > by_id[cid].capacity:
            raise SolverFailed(f"cohort {cid} over capacity ({n} > {by_id[cid].capacity})")
    if len(placements) + len(unplaced) != len(learners):
        raise SolverFailed("a learner was neither placed nor listed as unplaced")
    figures = Figures(
        learners=len(learners),
        placed=len(placements),
        kept=len(kept),
        preferred_modality=preferred,
        chosen_slot=chosen_slot,
        preference_score=score,
        solve_seconds=time.perf_counter() - started,
        solver=solver,
    )
    return AssignmentResult(
        placements=dict(sorted(placements.items())),
        attends=dict(sorted(attends.items())),
        unplaced=unplaced,
        figures=figures,
        info=info,
    )
