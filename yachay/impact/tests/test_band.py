"""The band recomputed from what a run stores: the lottery's part, and nothing else."""

from __future__ import annotations

import random

import pytest

from yachay.impact.band import CONTROL, TREATMENT, BandMismatch, compute_band
from yachay.selection import allocation as A


def problem(n: int, seats: int, *, policy: str = "score", seed: str = "s") -> A.SelectionProblem:
    rng = random.Random(n * 7 + seats)
    cands = [
        A.Candidate(
            i,
            float(rng.choice([0, 1, 2, 3])) if policy == "score" else 0.0,
            {
                "gender": rng.choice(["female", "male"]),
                "department_group": rng.choice(["lima_callao", "rest"]),
            },
        )
        for i in range(1, n + 1)
    ]
    targets = [
        A.Target("w", "min", "share", "gender", "female", 50),
        A.Target("r", "min", "share", "department_group", "rest", 60),
    ]
    return A.SelectionProblem(
        candidates=tuple(cands),
        seats=seats,
        targets=tuple(targets),
        seed=seed,
        policy=policy,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("policy", ["score", "lottery"])
def test_within_every_stratum_the_lottery_alone_splits_admitted_from_waitlisted(
    policy: str,
) -> None:
    p = problem(600, 150, policy=policy)
    result = A.allocate(p)
    band = compute_band(p.to_dict(), result.admitted, result.waitlist)
    assert not band.empty
    admitted = {str(i) for i in result.admitted}
    by_id = {str(c.id): c for c in p.candidates}
    for s in band.strata:
        members = [m for m in band.members if m.stratum == s.index]
        assert len(members) == s.size and 0 < s.admitted < s.size
        # Same priority and same groups for every member of a stratum.
        assert len({by_id[str(m.id)].priority for m in members}) == 1
        assert len({tuple(sorted(by_id[str(m.id)].attributes.items())) for m in members}) == 1
        # The admitted are exactly those with the best lottery numbers.
        best = sorted(members, key=lambda m: m.lottery_number)[: s.admitted]
        assert {m.id for m in best} == {m.id for m in members if m.arm == TREATMENT}
        assert all((str(m.id) in admitted) == (m.arm == TREATMENT) for m in members)
    assert band.treatment + band.control == band.size


def test_a_pure_lottery_without_targets_puts_everyone_in_one_stratum() -> None:
    p = A.SelectionProblem(
        candidates=tuple(A.Candidate(i, 0.0, {}) for i in range(50)), seats=20, seed="x",
        policy="lottery",
    )  # fmt: skip
    result = A.allocate(p)
    band = compute_band(p, result.admitted, result.waitlist)
    assert (band.size, band.treatment, band.control, len(band.strata)) == (50, 20, 30, 1)


def test_distinct_priorities_or_enough_seats_leave_no_band() -> None:
    distinct = A.SelectionProblem(
        candidates=tuple(A.Candidate(i, float(i), {}) for i in range(30)), seats=10, seed="x"
    )
    r = A.allocate(distinct)
    assert compute_band(distinct, r.admitted, r.waitlist).empty
    everyone = A.SelectionProblem(
        candidates=tuple(A.Candidate(i, 0.0, {}) for i in range(30)), seats=40, seed="x",
        policy="lottery",
    )  # fmt: skip
    r = A.allocate(everyone)
    assert compute_band(everyone, r.admitted, r.waitlist).empty


def test_tampered_decisions_are_refused() -> None:
    p = problem(300, 80, policy="lottery")
    r = A.allocate(p)
    band = compute_band(p, r.admitted, r.waitlist)
    inside = next(m for m in band.members if m.arm == CONTROL)
    swapped_out = next(
        m for m in band.members if m.arm == TREATMENT and m.stratum == inside.stratum
    )
    admitted = [i for i in r.admitted if i != swapped_out.id] + [inside.id]
    waitlist = [i for i in r.waitlist if i != inside.id] + [swapped_out.id]
    with pytest.raises(BandMismatch, match="against the lottery order"):
        compute_band(p, admitted, waitlist)
    with pytest.raises(BandMismatch, match="no decision"):
        compute_band(p, r.admitted[1:], r.waitlist)
    with pytest.raises(BandMismatch, match="Two decisions"):
        compute_band(p, r.admitted, [*r.waitlist, r.admitted[0]])
    with pytest.raises(BandMismatch, match="not among"):
        compute_band(p, [*r.admitted, 99999], r.waitlist)


def test_another_seed_draws_another_band_from_the_same_inputs() -> None:
    a = problem(400, 100, policy="lottery", seed="one")
    b = problem(400, 100, policy="lottery", seed="two")
    ra, rb = A.allocate(a), A.allocate(b)
    band_a = compute_band(a, ra.admitted, ra.waitlist)
    band_b = compute_band(b, rb.admitted, rb.waitlist)
    assert {m.id for m in band_a.members if m.arm == TREATMENT} != {
        m.id for m in band_b.members if m.arm == TREATMENT
    }
    # The decisions of one seed are not what the lottery of the other gives.
    with pytest.raises(BandMismatch):
        compute_band(b, ra.admitted, ra.waitlist)
