"""The allocation algorithm, on plain data: no database, no Django.

Exactness is checked against two independent references: enumeration of every subset for
small instances, and a candidate-level lottery walk (one 0/1 program per candidate, no
blocks, no fixing, no shortcuts) for medium ones.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from yachay.selection.allocation import (
    DIMENSIONS,
    Candidate,
    InvalidInput,
    InvalidTargets,
    SelectionProblem,
    Shortfall,
    Target,
    allocate,
    check_feasibility,
    choose_promotion,
    decisions_hash,
    diff_decisions,
    greedy_allocate,
    lottery_order,
    lottery_priorities,
    quantize_priority,
    resolve_bounds,
)

ROOT = Path(__file__).resolve().parents[3]


# --------------------------------------------------------------------------------------------
# References


def _order(p: SelectionProblem) -> list[int]:
    cands = p.candidates
    scaled = [quantize_priority(c.priority) if p.policy == "score" else 0 for c in cands]
    ranks = lottery_order([c.id for c in cands], p.seed)
    return sorted(range(len(cands)), key=lambda i: (-scaled[i], ranks[cands[i].id]))


def _shortfall(p: SelectionProblem, chosen: Sequence[int], bounds: dict[str, int]) -> int:
    total = 0
    for t in p.targets:
        have = sum(1 for i in chosen if p.candidates[i].attributes.get(t.dimension) == t.value)
        bound = bounds[t.id]
        total += max(0, bound - have) if t.kind == "min" else max(0, have - bound)
    return total


def brute_force(p: SelectionProblem) -> tuple[str, tuple[object, ...], tuple[object, ...]]:
    """Every subset of size N: least shortfall (closest) / feasible (strict), most priority,
    then the lexicographically first in priority order (the set holding the first
    candidate, in priority order, on which two sets differ)."""
    cands = p.candidates
    n = len(cands)
    n_admit = min(p.seats, n)
    bounds = resolve_bounds(p.targets, n_admit)
    scaled = [quantize_priority(c.priority) if p.policy == "score" else 0 for c in cands]
    order = _order(p)
    position = {i: k for k, i in enumerate(order)}
    best: tuple[int, int, int] | None = None
    best_set: tuple[int, ...] = ()
    for subset in itertools.combinations(range(n), n_admit):
        short = _shortfall(p, subset, bounds)
        if p.mode == "strict" and short:
            continue
        mask = sum(1 << (n - 1 - position[i]) for i in subset)
        key = (short, -sum(scaled[i] for i in subset), -mask)
        if best is None or key < best:
            best, best_set = key, subset
    if best is None:
        return "infeasible", (), ()
    chosen = set(best_set)
    admitted = tuple(cands[i].id for i in order if i in chosen)
    waitlist = tuple(cands[i].id for i in order if i not in chosen)
    return ("optimal" if best[0] == 0 else "closest_feasible"), admitted, waitlist


def candidate_walk(p: SelectionProblem) -> tuple[str, tuple[object, ...], tuple[object, ...]]:
    """The lottery walk done naively: a 0/1 variable per candidate and one solve each."""
    cands = p.candidates
    n, n_admit, n_t = len(cands), min(p.seats, len(cands)), len(p.targets)
    bounds = resolve_bounds(p.targets, n_admit)
    scaled = np.array(
        [quantize_priority(c.priority) if p.policy == "score" else 0 for c in cands], float
    )
    member = np.array(
        [[c.attributes.get(t.dimension) == t.value for c in cands] for t in p.targets], float
    ).reshape(n_t, n)
    rows = [np.concatenate((np.ones(n), np.zeros(n_t)))]
    lo: list[float] = [n_admit]
    hi: list[float] = [n_admit]
    for k, t in enumerate(p.targets):
        row = np.concatenate((member[k], np.zeros(n_t)))
        row[n + k] = 1.0 if t.kind == "min" else -1.0
        rows.append(row)
        lo.append(bounds[t.id] if t.kind == "min" else -np.inf)
        hi.append(np.inf if t.kind == "min" else bounds[t.id])
    s_ub = 0.0 if p.mode == "strict" else np.inf
    extra: list[tuple[np.ndarray, float, float]] = []

    def solve(c: np.ndarray, x_lo: np.ndarray, x_hi: np.ndarray) -> object:
        return milp(
            c,
            integrality=np.concatenate((np.ones(n), np.zeros(n_t))),
            bounds=Bounds(
                np.concatenate((x_lo, np.zeros(n_t))), np.concatenate((x_hi, np.full(n_t, s_ub)))
            ),
            constraints=LinearConstraint(
                np.array(rows + [e[0] for e in extra]),
                lo + [e[1] for e in extra],
                hi + [e[2] for e in extra],
            ),
            options={"mip_rel_gap": 0},
        )

    x_lo, x_hi = np.zeros(n), np.ones(n)
    res = solve(np.concatenate((np.zeros(n), np.ones(n_t))), x_lo, x_hi)
    if res.status == 2:  # type: ignore[attr-defined]
        return "infeasible", (), ()
    s_star = 0 if p.mode == "strict" else round(res.fun)  # type: ignore[attr-defined]
    if p.mode != "strict":
        extra.append((np.concatenate((np.zeros(n), np.ones(n_t))), -np.inf, s_star + 0.5))
    res = solve(np.concatenate((-scaled, np.zeros(n_t))), x_lo, x_hi)
    p_star = round(-res.fun)  # type: ignore[attr-defined]
    extra.append((np.concatenate((scaled, np.zeros(n_t))), p_star - 0.5, np.inf))
    order = _order(p)
    for i in order:
        trial = x_lo.copy()
        trial[i] = 1.0
        if solve(np.zeros(n + n_t), trial, x_hi).status == 0:  # type: ignore[attr-defined]
            x_lo[i] = 1.0
        else:
            x_hi[i] = 0.0
    admitted = tuple(cands[i].id for i in order if x_lo[i] == 1)
    waitlist = tuple(cands[i].id for i in order if x_lo[i] == 0)
    return ("optimal" if s_star == 0 else "closest_feasible"), admitted, waitlist


# --------------------------------------------------------------------------------------------
# Builders

VALUES = {
    "gender": ["female", "male"],
    "department_group": ["lima_callao", "rest"],
    "department": ["01", "02", "03"],
    "segment": ["sme_owner", "entrepreneur"],
}


def person(
    cid: object,
    priority: float = 0.0,
    gender: str = "female",
    group: str = "rest",
    department: str = "08",
    segment: str = "sme_owner",
) -> Candidate:
    return Candidate(
        id=cid,  # type: ignore[arg-type]
        priority=priority,
        attributes={
            "gender": gender,
            "department_group": group,
            "department": department,
            "segment": segment,
        },
    )


def small_random_problem(r: random.Random) -> SelectionProblem:
    n = r.randint(1, 10)
    levels: list[float] = r.choice(
        [[0, 1, 2], [1.5, 1.5, 2.25, 3], [0.1 * k for k in range(10)], [5]]
    )
    cands = [
        Candidate(
            id=i if r.random() < 0.5 else f"c{i}",
            priority=r.choice(levels),
            attributes={d: r.choice(v) for d, v in VALUES.items()},
        )
        for i in range(n)
    ]
    targets = []
    for k in range(r.randint(0, 4)):
        dim = r.choice(DIMENSIONS)
        measure = r.choice(["count", "share"])
        amount = (
            r.randint(0, 4) if measure == "count" else r.choice([0, 10, 25, 33.3, 50, 60, 75, 100])
        )
        targets.append(
            Target(f"t{k}", r.choice(["min", "max"]), measure, dim, r.choice(VALUES[dim]), amount)
        )
    return SelectionProblem(
        candidates=tuple(cands),
        seats=r.randint(1, n + 2),
        targets=tuple(targets),
        seed=str(r.randint(0, 999)),
        mode=r.choice(["strict", "closest"]),
        policy=r.choice(["score", "score", "lottery"]),
    )


def medium_random_problem(r: random.Random, n: int) -> SelectionProblem:
    departments = [f"{k:02d}" for k in range(1, 8)]
    levels: list[float] = r.choice([[0, 1, 2, 3], [1, 1.5], [0]])
    cands = [
        Candidate(
            id=i,
            priority=r.choice(levels),
            attributes={
                "gender": r.choice(["female", "male", "female", "other"]),
                "department_group": r.choice(["lima_callao", "rest"]),
                "department": r.choice(departments),
                "segment": r.choice(["sme_owner", "entrepreneur", "sme_expert"]),
            },
        )
        for i in range(n)
    ]
    targets = [
        Target("women", "min", "share", "gender", "female", r.choice([40, 50, 60, 70])),
        Target("rest", "min", "share", "department_group", "rest", r.choice([30, 50, 60])),
        Target("dept", "min", "count", "department", r.choice(departments), r.randint(1, 6)),
        Target("owners", "min", "share", "segment", "sme_owner", r.choice([20, 30, 40])),
        Target("experts", "max", "share", "segment", "sme_expert", r.choice([20, 30, 50])),
        Target("dept_cap", "max", "count", "department", r.choice(departments), r.randint(0, 4)),
    ]
    return SelectionProblem(
        candidates=tuple(cands),
        seats=r.randint(n // 4, n // 2),
        targets=tuple(r.sample(targets, r.randint(2, 6))),
        seed=str(r.randint(0, 99)),
        mode=r.choice(["strict", "closest"]),
        policy=r.choice(["score", "lottery"]),
    )


def decisions(p: SelectionProblem) -> tuple[str, tuple[object, ...], tuple[object, ...]]:
    result = allocate(p)
    return result.status, result.admitted, result.waitlist


# --------------------------------------------------------------------------------------------
# Exactness


def test_it_matches_brute_force_on_small_random_instances() -> None:
    r = random.Random(20260)
    statuses = set()
    for _ in range(250):
        p = small_random_problem(r)
        got = decisions(p)
        assert got == brute_force(p), p.to_json()
        statuses.add(got[0])
    assert statuses == {"optimal", "closest_feasible", "infeasible"}


def test_it_matches_brute_force_with_twelve_candidates_and_overlapping_targets() -> None:
    r = random.Random(12)
    for _ in range(3):
        cands = [
            person(
                i,
                r.choice([1, 2, 3]),
                r.choice(["female", "male"]),
                r.choice(["lima_callao", "rest"]),
                r.choice(["01", "02", "03"]),
            )
            for i in range(12)
        ]
        p = SelectionProblem(
            candidates=tuple(cands),
            seats=6,
            seed="x",
            targets=(
                Target("women", "min", "share", "gender", "female", 50),
                Target("rest", "min", "share", "department_group", "rest", 40),
                Target("d03", "min", "count", "department", "03", 1),
            ),
            mode="closest",
        )
        assert decisions(p) == brute_force(p)


def test_it_matches_a_candidate_level_lottery_walk_on_medium_instances() -> None:
    r = random.Random(7)
    for _ in range(6):
        p = medium_random_problem(r, r.randint(30, 70))
        assert decisions(p) == candidate_walk(p), p.to_json()


# --------------------------------------------------------------------------------------------
# What every selection satisfies


def test_it_admits_exactly_the_seats_or_everyone_when_fewer_apply() -> None:
    cands = tuple(person(i, i % 3) for i in range(9))
    assert len(allocate(SelectionProblem(cands, seats=4, seed="s")).admitted) == 4
    everyone = allocate(SelectionProblem(cands, seats=20, seed="s"))
    assert len(everyone.admitted) == 9
    assert everyone.waitlist == ()
    assert everyone.admit_count == 9


def test_it_respects_every_target_and_orders_both_lists_by_priority() -> None:
    r = random.Random(3)
    p = medium_random_problem(r, 80)
    p = SelectionProblem(p.candidates, p.seats, p.targets, p.seed, "strict", "score")
    result = allocate(p)
    if result.status == "infeasible":
        pytest.skip("this draw is infeasible")
    assert all(row.met for row in result.targets)
    by_id = {c.id: c for c in p.candidates}
    ranks = lottery_order([c.id for c in p.candidates], p.seed)

    def key(cid: object) -> tuple[int, int]:
        return (-quantize_priority(by_id[cid].priority), ranks[cid])  # type: ignore[index]

    assert list(result.admitted) == sorted(result.admitted, key=key)
    assert list(result.waitlist) == sorted(result.waitlist, key=key)
    assert set(result.admitted) | set(result.waitlist) == set(by_id)


def test_it_meets_women_regions_and_a_department_floor_at_once() -> None:
    # Lima men have the best scores; the targets pull in women, the regions and dept 03.
    cands = (
        [person(f"lm{i}", 9, "male", "lima_callao", "15") for i in range(6)]
        + [person(f"lw{i}", 6, "female", "lima_callao", "15") for i in range(4)]
        + [person(f"rm{i}", 5, "male", "rest", "08") for i in range(4)]
        + [person(f"rw{i}", 2, "female", "rest", "08") for i in range(3)]
        + [person("apurimac", 1, "male", "rest", "03")]
    )
    targets = (
        Target("women", "min", "share", "gender", "female", 50),
        Target("rest", "min", "share", "department_group", "rest", 40),
        Target("d03", "min", "count", "department", "03", 1),
    )
    problem = SelectionProblem(tuple(cands), seats=10, targets=targets, seed="7")
    result = allocate(problem)
    assert result.status == "optimal"
    assert [(row.target_id, row.bound, row.admitted, row.met) for row in result.targets] == [
        ("women", 5, 5, True),
        ("rest", 4, 4, True),
        ("d03", 1, 1, True),
    ]
    assert "apurimac" in result.admitted
    # Three selections reach the best total, 55, all with Apurímac: {2 Lima men, 4 Lima
    # women, 2 regional men, 1 regional woman}, {3, 3, 1, 2} and {4, 2, 0, 3}. The walk in
    # priority order admits Lima men (9) as long as some best selection still can: 4 of them.
    kinds = sorted(str(i).rstrip("0123456789") for i in result.admitted)
    assert kinds == ["apurimac", "lm", "lm", "lm", "lm", "lw", "lw", "rw", "rw", "rw"]
    assert result.objective == 55.0
    assert decisions(problem) == brute_force(problem)
    assert result.departments["03"].admitted == 1
    assert result.departments["15"].eligible == 10


def test_share_targets_round_floors_up_and_ceilings_down_on_the_admitted_number() -> None:
    def bound(kind: str, amount: object, n: int) -> int:
        t = Target("t", kind, "share", "gender", "female", amount)  # type: ignore[arg-type]
        return resolve_bounds([t], n)["t"]

    assert bound("min", 50, 9) == 5
    assert bound("max", 50, 9) == 4
    assert bound("min", 50, 10) == bound("max", 50, 10) == 5
    assert bound("min", 33.3, 3) == 1  # 0.999 people: at least one
    assert bound("max", 33.3, 3) == 0
    assert bound("min", "12.5", 8) == bound("max", "12.5", 8) == 1
    assert bound("min", 0.1, 10_000) == 10  # decimal, not binary: 0.1% of 10,000 is 10
    # The basis is min(seats, candidates): 50% of 3 applicants, not of 10 seats.
    cands = (person(1, 1, "male"), person(2, 2, "male"), person(3, 0, "female"))
    result = allocate(
        SelectionProblem(
            cands,
            seats=10,
            seed="s",
            targets=(Target("w", "min", "share", "gender", "female", 50),),
        )
    )
    assert result.status == "infeasible"
    assert result.shortfalls == (
        Shortfall(("w",), "not_enough_candidates", 2, 1, result.shortfalls[0].message),
    )


def test_priorities_equal_to_four_decimals_are_tied_and_the_lottery_decides() -> None:
    cands = tuple(person(i, 1.0 + i * 1e-6) for i in range(6))
    ranks = lottery_order(range(6), "tie")
    result = allocate(SelectionProblem(cands, seats=3, seed="tie"))
    assert list(result.admitted) == sorted(range(6), key=ranks.__getitem__)[:3]
    assert quantize_priority(2.00005) == 20000  # half to even
    assert quantize_priority(2.00015) == 20002


def test_the_lottery_policy_ignores_priorities_and_admits_in_lottery_order() -> None:
    cands = tuple(person(i, priority=100 - i) for i in range(10))
    ranks = lottery_order(range(10), "sorteo")
    result = allocate(SelectionProblem(cands, seats=4, seed="sorteo", policy="lottery"))
    assert list(result.admitted) == sorted(range(10), key=ranks.__getitem__)[:4]
    assert result.objective == 0.0
    prios = lottery_priorities(range(10), "sorteo")
    by_score = allocate(
        SelectionProblem(tuple(person(i, prios[i]) for i in range(10)), seats=4, seed="other")
    )
    assert by_score.admitted == result.admitted


# --------------------------------------------------------------------------------------------
# Infeasibility is never silent


def test_it_says_which_floor_cannot_be_met_and_by_how_much() -> None:
    cands = tuple(person(i, 1, "female") for i in range(7)) + tuple(
        person(100 + i, 1, "male") for i in range(20)
    )
    p = SelectionProblem(
        cands, seats=20, seed="s", targets=(Target("w", "min", "count", "gender", "female", 10),)
    )
    result = allocate(p)
    assert result.status == "infeasible"
    assert result.admitted == () and result.waitlist == ()
    (shortfall,) = result.shortfalls
    assert (shortfall.target_ids, shortfall.reason) == (("w",), "not_enough_candidates")
    assert (shortfall.required, shortfall.available, shortfall.missing) == (10, 7, 3)
    assert "needs 10 people; only 7 eligible" in shortfall.message
    assert check_feasibility(p) == [shortfall]


def test_it_reports_contradictory_targets_found_by_counting() -> None:
    cands = tuple(
        person(i, 1, g, grp, dep, seg)
        for i, (g, grp, dep, seg) in enumerate(
            itertools.product(
                ["female", "male"], ["lima_callao", "rest"], ["01", "02"], ["sme_owner", "other"]
            )
        )
    )  # 16 candidates, 2 of every (gender, group, department, segment)
    found = check_feasibility(
        SelectionProblem(
            cands,
            seats=10,
            seed="s",
            targets=(
                Target("big", "min", "count", "department", "01", 12),
                Target("w_min", "min", "count", "gender", "female", 6),
                Target("w_max", "max", "count", "gender", "female", 4),
                Target("own", "min", "share", "segment", "sme_owner", 60),
                Target("oth", "min", "share", "segment", "other", 50),
                Target("lima", "max", "count", "department_group", "lima_callao", 1),
                Target("rest", "max", "count", "department_group", "rest", 8),
            ),
        )
    )
    as_tuples = {(f.target_ids, f.reason, f.required, f.available) for f in found}
    assert as_tuples == {
        (("big",), "above_seats", 12, 10),
        (("w_min", "w_max"), "min_above_max", 6, 4),
        (("own", "oth"), "floors_exceed_seats", 11, 10),
        (("lima", "rest"), "ceilings_below_seats", 10, 9),
    }


def test_it_reports_targets_that_conflict_only_through_their_overlap() -> None:
    # 4 seats: at least 3 women and at least 3 from the regions needs 2 regional women.
    cands = (
        [person(f"lw{i}", 5, "female", "lima_callao", "15") for i in range(3)]
        + [person(f"rm{i}", 4, "male", "rest", "08") for i in range(3)]
        + [person("rw", 1, "female", "rest", "08")]
    )
    targets = (
        Target("women", "min", "count", "gender", "female", 3),
        Target("rest", "min", "count", "department_group", "rest", 3),
    )
    strict = SelectionProblem(tuple(cands), seats=4, targets=targets, seed="s")
    assert check_feasibility(strict) == []
    result = allocate(strict)
    assert result.status == "infeasible"
    assert result.shortfalls
    assert all(f.reason == "overlap" for f in result.shortfalls)
    assert sum(f.missing for f in result.shortfalls) == 1

    closest = allocate(
        SelectionProblem(tuple(cands), seats=4, targets=targets, seed="s", mode="closest")
    )
    assert closest.status == "closest_feasible"
    assert closest.total_shortfall == 1
    assert len(closest.admitted) == 4
    assert "rw" in closest.admitted
    assert decisions(
        closest_problem := SelectionProblem(
            tuple(cands), seats=4, targets=targets, seed="s", mode="closest"
        )
    ) == brute_force(closest_problem)


def test_closest_feasible_admits_the_whole_short_group_and_states_the_shortfall() -> None:
    cands = tuple(person(i, 0, "female") for i in range(7)) + tuple(
        person(100 + i, 5, "male") for i in range(20)
    )
    result = allocate(
        SelectionProblem(
            cands,
            seats=20,
            seed="s",
            mode="closest",
            targets=(Target("w", "min", "count", "gender", "female", 10),),
        )
    )
    assert result.status == "closest_feasible"
    (row,) = result.targets
    assert (row.bound, row.eligible, row.admitted, row.met, row.shortfall) == (10, 7, 7, False, 3)
    assert result.shortfalls[0].missing == 3
    assert len(result.admitted) == 20


# --------------------------------------------------------------------------------------------
# Reproducibility


def test_the_same_inputs_give_the_same_decisions_and_hash_even_after_storage() -> None:
    r = random.Random(5)
    drawn = medium_random_problem(r, 60)
    p = SelectionProblem(drawn.candidates, drawn.seats, drawn.targets, drawn.seed, "closest")
    first = allocate(p)
    assert len(first.admitted) == p.seats
    stored = SelectionProblem.from_json(p.to_json())
    again = allocate(stored)
    assert again.decisions_hash == first.decisions_hash
    assert again.inputs_hash == first.inputs_hash == p.inputs_hash
    assert json.loads(p.to_json())["format"] == "yachay.selection/1"
    shuffled = list(p.candidates)
    random.Random(1).shuffle(shuffled)
    moved = SelectionProblem(tuple(shuffled), p.seats, p.targets, p.seed, p.mode, p.policy)
    assert allocate(moved).decisions_hash == first.decisions_hash
    assert moved.inputs_hash == p.inputs_hash
    assert diff_decisions(first.admitted, first.waitlist, again).same


def test_another_seed_orders_the_ties_differently() -> None:
    cands = tuple(person(i, 1) for i in range(30))
    a = allocate(SelectionProblem(cands, seats=10, seed="uno"))
    b = allocate(SelectionProblem(cands, seats=10, seed="dos"))
    assert a.decisions_hash != b.decisions_hash
    assert set(a.admitted) != set(b.admitted)
    diff = diff_decisions(a.admitted, a.waitlist, b)
    assert not diff.same
    assert set(diff.newly_admitted) == set(b.admitted) - set(a.admitted)
    assert set(diff.no_longer_admitted) == set(a.admitted) - set(b.admitted)


def test_the_lottery_is_sha256_of_seed_and_id_and_does_not_change() -> None:
    assert lottery_order([1, 2, 3, 4, 5, "a", "b"], "2026") == {
        1: 1,
        "a": 2,
        4: 3,
        "b": 4,
        3: 5,
        2: 6,
        5: 7,
    }
    assert lottery_order(range(1, 11), "semilla-42") == {
        3: 1,
        2: 2,
        8: 3,
        6: 4,
        4: 5,
        9: 6,
        5: 7,
        1: 8,
        10: 9,
        7: 10,
    }
    digests = {i: hashlib.sha256(f"semilla-42:{i}".encode()).hexdigest() for i in range(1, 11)}
    assert sorted(digests, key=digests.__getitem__)[0] == 3


def test_the_decisions_hash_is_sha256_of_the_ordered_ids() -> None:
    text = '{"admitted":["1","2"],"waitlist":["3"]}'
    assert decisions_hash([1, 2], [3]) == hashlib.sha256(text.encode()).hexdigest()
    assert decisions_hash([1, 2], [3]) != decisions_hash([2, 1], [3])


# --------------------------------------------------------------------------------------------
# The greedy baseline


def greedy_trap() -> SelectionProblem:
    """Greedy fills the women's floor with Lima women, then cannot reach the regions'."""
    cands = (
        [person(f"lw{i}", 9, "female", "lima_callao", "15") for i in range(8)]
        + [person(f"rm{i}", 5, "male", "rest", "08") for i in range(6)]
        + [person(f"rw{i}", 3, "female", "rest", "09") for i in range(4)]
    )
    targets = (
        Target("women", "min", "share", "gender", "female", 60),
        Target("rest", "min", "share", "department_group", "rest", 60),
    )
    return SelectionProblem(tuple(cands), seats=10, targets=targets, seed="trap")


def test_greedy_misses_a_target_that_the_solver_meets() -> None:
    greedy = greedy_allocate(greedy_trap())
    exact = allocate(greedy_trap())
    assert {row.target_id: row.met for row in greedy.targets} == {"women": True, "rest": False}
    assert greedy.targets[1].admitted == 4 and greedy.targets[1].shortfall == 2
    assert exact.status == "optimal" and all(row.met for row in exact.targets)
    # 4 Lima women, 4 regional men, 2 regional women: 36 + 20 + 6.
    assert exact.objective == 62.0
    assert decisions(greedy_trap()) == brute_force(greedy_trap())


def test_greedy_never_beats_the_solver_when_it_meets_every_target() -> None:
    r = random.Random(11)
    for _ in range(5):
        p = medium_random_problem(r, 60)
        p = SelectionProblem(p.candidates, p.seats, p.targets, p.seed, "strict", "score")
        greedy, exact = greedy_allocate(p), allocate(p)
        if exact.status == "optimal" and greedy.total_shortfall == 0:
            assert greedy.objective <= exact.objective


# --------------------------------------------------------------------------------------------
# Promotion


def test_promotion_keeps_the_womens_floor_when_a_woman_gives_up_her_seat() -> None:
    targets = [Target("w", "min", "share", "gender", "female", 50)]
    admitted = [{"gender": "female"}] * 5 + [{"gender": "male"}] * 5
    waitlist = [person("m1", 9, "male"), person("m2", 8, "male"), person("w1", 3, "female")]
    chosen = choose_promotion(
        admitted=admitted, waitlist=waitlist, targets=targets, admit_count=10, freed=admitted[0]
    )
    assert chosen is not None
    assert (chosen.candidate_id, chosen.waitlist_index) == ("w1", 2)
    assert (chosen.shortfall_before, chosen.shortfall_after, chosen.targets_met) == (1, 0, True)


def test_promotion_takes_the_first_in_line_when_every_target_stays_met() -> None:
    targets = [Target("w", "min", "share", "gender", "female", 50)]
    admitted = [{"gender": "female"}] * 6 + [{"gender": "male"}] * 4
    waitlist = [person("m1", 9, "male"), person("w1", 9, "female")]
    chosen = choose_promotion(
        admitted=admitted, waitlist=waitlist, targets=targets, admit_count=10, freed=admitted[0]
    )
    assert chosen is not None and chosen.candidate_id == "m1"


def test_promotion_reduces_the_shortfall_most_and_breaks_ties_by_position() -> None:
    targets = [
        Target("w", "min", "count", "gender", "female", 8),
        Target("r", "min", "count", "department_group", "rest", 8),
    ]
    admitted = [{"gender": "male", "department_group": "lima_callao"}] * 10
    waitlist = [
        person("lima_man", 9, "male", "lima_callao"),
        person("lima_woman", 8, "female", "lima_callao"),
        person("rest_woman_a", 7, "female", "rest"),
        person("rest_woman_b", 7, "female", "rest"),
    ]
    chosen = choose_promotion(
        admitted=admitted, waitlist=waitlist, targets=targets, admit_count=10, freed=admitted[0]
    )
    assert chosen is not None
    assert chosen.candidate_id == "rest_woman_a"
    assert (chosen.shortfall_before, chosen.shortfall_after) == (16, 14)


def test_promotion_respects_ceilings_and_handles_an_empty_waitlist() -> None:
    targets = [Target("cap", "max", "count", "department", "15", 3)]
    admitted = [{"department": "15"}] * 3 + [{"department": "08"}]
    waitlist = [
        Candidate("lima", 9, {"department": "15"}),
        Candidate("cusco", 1, {"department": "08"}),
    ]
    chosen = choose_promotion(
        admitted=admitted, waitlist=waitlist, targets=targets, admit_count=5
    )  # the leaver is already gone: 4 holders
    assert chosen is not None and chosen.candidate_id == "cusco"
    assert choose_promotion(admitted=admitted, waitlist=[], targets=targets, admit_count=5) is None
    with pytest.raises(ValueError, match="not among the admitted"):
        choose_promotion(
            admitted=admitted,
            waitlist=waitlist,
            targets=targets,
            admit_count=5,
            freed={"department": "03"},
        )


def _holders_shortfall(
    targets: Sequence[Target], bounds: dict[str, int], holders: list[dict[str, str]]
) -> int:
    total = 0
    for t in targets:
        have = sum(1 for h in holders if h.get(t.dimension) == t.value)
        b = bounds[t.id]
        total += max(0, b - have) if t.kind == "min" else max(0, have - b)
    return total


def test_promotion_agrees_with_trying_everyone_on_random_cases() -> None:
    r = random.Random(9)
    for _ in range(40):
        targets = [
            Target("w", "min", "count", "gender", "female", r.randint(0, 6)),
            Target("r", "min", "count", "department_group", "rest", r.randint(0, 6)),
            Target("cap", "max", "count", "segment", "sme_owner", r.randint(0, 6)),
        ]
        admitted = [{d: r.choice(v) for d, v in VALUES.items()} for _ in range(10)]
        waitlist = [Candidate(i, 0, {d: r.choice(v) for d, v in VALUES.items()}) for i in range(15)]
        chosen = choose_promotion(
            admitted=admitted, waitlist=waitlist, targets=targets, admit_count=10, freed=admitted[0]
        )
        bounds = resolve_bounds(targets, 10)
        scores = [
            _holders_shortfall(targets, bounds, [*admitted[1:], dict(c.attributes)])
            for c in waitlist
        ]
        best = min(range(15), key=lambda k: (scores[k], k))
        assert chosen is not None
        assert (chosen.waitlist_index, chosen.shortfall_after) == (best, scores[best])


# --------------------------------------------------------------------------------------------
# Bad input


def test_bad_targets_raise_one_message_per_target() -> None:
    cands = (person(1, 1),)
    with pytest.raises(InvalidTargets) as caught:
        allocate(
            SelectionProblem(
                cands,
                seats=1,
                seed="s",
                targets=(
                    Target("share", "min", "share", "gender", "female", 150),
                    Target("negative", "max", "count", "gender", "male", -1),
                    Target("half", "min", "count", "gender", "female", "2.5"),
                    Target("where", "min", "count", "planet", "mars", 1),
                    Target("what", "at_least", "count", "gender", "female", 1),
                    Target("nan", "min", "count", "gender", "female", "abc"),
                ),
            )
        )
    issues = {(i.target_id, i.code) for i in caught.value.issues}
    assert issues == {
        ("share", "share_above_100"),
        ("negative", "negative_amount"),
        ("half", "count_not_whole"),
        ("where", "unknown_dimension"),
        ("what", "unknown_kind"),
        ("nan", "not_a_number"),
    }
    assert "a share cannot be above 100% (150%)" in str(caught.value)
    assert isinstance(caught.value, InvalidInput) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("seats", "cands", "code"),
    [
        (0, (person(1),), "no_seats"),
        (-3, (person(1),), "negative_seats"),
        (5, (), "no_candidates"),
        (5, (person(1), person("1")), "duplicate_candidates"),
        (5, (person(1, float("nan")),), "bad_priority"),
        (5, (person(True),), "bad_id"),
    ],
)
def test_unusable_input_raises_with_a_code(
    seats: int, cands: tuple[Candidate, ...], code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        allocate(SelectionProblem(cands, seats=seats, seed="s"))
    assert code in {i.code for i in caught.value.issues}
    with pytest.raises(InvalidInput):
        greedy_allocate(SelectionProblem(cands, seats=seats, seed="s"))


def test_a_stored_problem_of_another_format_is_refused() -> None:
    data = json.loads(SelectionProblem((person(1),), seats=1, seed="s").to_json())
    data["format"] = "yachay.selection/0"
    with pytest.raises(InvalidInput, match="Unknown problem format"):
        SelectionProblem.from_dict(data)


def test_the_algorithm_does_not_import_django() -> None:
    code = (
        "import sys, yachay.selection.allocation;"
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
