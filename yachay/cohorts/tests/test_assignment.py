"""The cohort assignment algorithm, on plain data (no database)."""

from __future__ import annotations

import itertools
import random

import pytest

from yachay.cohorts.assignment import (
    COHORTS_FULL,
    NO_COHORT,
    NO_TRACK_FOR_SEGMENT,
    SCORES,
    SLOTS,
    AssignmentResult,
    Cohort,
    Learner,
    assign,
    attended_modality,
    greedy_first_fit,
    is_feasible,
)

DEPTS = ["03", "08", "15"]
SEGMENTS = ["sme_owner", "student"]


def learner(
    id: int,
    department: str = "08",
    modality: str = "virtual",
    slots: tuple[str, ...] = ("morning",),
    segment: str = "sme_owner",
    current: int | None = None,
) -> Learner:
    return Learner(id, department, modality, frozenset(slots), segment, current)


def cohort(
    id: int,
    modality: str = "virtual",
    department: str | None = None,
    slot: str = "morning",
    capacity: int = 1,
    audience: tuple[str, ...] = (),
) -> Cohort:
    return Cohort(id, 1, modality, department, slot, capacity, frozenset(audience))


def random_instance(
    rng: random.Random, n_learners: int, n_cohorts: int
) -> tuple[list[Learner], list[Cohort]]:
    learners = [
        learner(
            i,
            rng.choice(DEPTS),
            rng.choice(["virtual", "in_person"]),
            tuple(rng.sample(SLOTS, rng.randint(1, 2))),
            rng.choice(SEGMENTS),
        )
        for i in range(1, n_learners + 1)
    ]
    cohorts = []
    for j in range(1, n_cohorts + 1):
        modality = rng.choice(["virtual", "in_person", "hybrid"])
        cohorts.append(
            cohort(
                j,
                modality,
                None if modality == "virtual" else rng.choice(DEPTS),
                rng.choice(SLOTS),
                rng.randint(0, 3),
                rng.choice([(), (), ("sme_owner",), ("student",)]),
            )
        )
    return learners, cohorts


def check_valid(result: AssignmentResult, learners: list[Learner], cohorts: list[Cohort]) -> None:
    by_id = {c.id: c for c in cohorts}
    load: dict[int, int] = {}
    for lr in learners:
        cid = result.placements.get(lr.id)
        if cid is None:
            continue
        c = by_id[cid]
        assert c.slot in lr.slots
        assert not c.audience or lr.segment in c.audience
        if c.modality == "in_person":
            assert c.department == lr.department
        load[cid] = load.get(cid, 0) + 1
    assert all(n <= by_id[cid].capacity for cid, n in load.items())
    unplaced = {lid for lid, _ in result.unplaced}
    assert unplaced.isdisjoint(result.placements)
    assert unplaced | set(result.placements) == {lr.id for lr in learners}


def brute_force(learners: list[Learner], cohorts: list[Cohort]) -> tuple[int, int]:
    """The best (placed, score) over every assignment, by enumeration."""
    options = [[None, *[c for c in cohorts if is_feasible(lr, c)]] for lr in learners]
    best = (0, 0)
    for choice in itertools.product(*options):
        load: dict[int, int] = {}
        placed = score = 0
        for lr, c in zip(learners, choice, strict=True):
            if c is None:
                continue
            load[c.id] = load.get(c.id, 0) + 1
            placed += 1
            how = attended_modality(lr, c)
            assert how is not None
            score += SCORES[(lr.modality, how)]
        if all(n <= next(c.capacity for c in cohorts if c.id == i) for i, n in load.items()):
            best = max(best, (placed, score))
    return best


def test_it_respects_capacities_slots_departments_and_audiences_on_random_instances() -> None:
    rng = random.Random(1)
    for _ in range(30):
        learners, cohorts = random_instance(rng, 40, 12)
        check_valid(assign(learners, cohorts), learners, cohorts)
        check_valid(greedy_first_fit(learners, cohorts), learners, cohorts)


def test_it_places_in_person_only_in_the_learners_own_department() -> None:
    learners = [learner(1, "08", "in_person"), learner(2, "03", "in_person")]
    cohorts = [cohort(1, "in_person", "08", capacity=5)]
    result = assign(learners, cohorts)
    assert result.placements == {1: 1}
    assert result.unplaced[0][0] == 2
    assert result.unplaced[0][1].code == NO_COHORT


def test_a_hybrid_cohort_is_in_person_at_home_and_online_elsewhere() -> None:
    learners = [learner(1, "08", "in_person"), learner(2, "03", "in_person")]
    result = assign(learners, [cohort(1, "hybrid", "08", capacity=5)])
    assert result.attends == {1: "in_person", 2: "virtual"}
    assert result.figures.preferred_modality == 1


def test_it_places_only_in_a_slot_the_learner_chose() -> None:
    learners = [learner(1, slots=("evening", "weekend"))]
    cohorts = [cohort(1, slot="morning", capacity=9), cohort(2, slot="weekend", capacity=9)]
    result = assign(learners, cohorts)
    assert result.placements == {1: 2}
    assert result.figures.share_chosen_slot == 1.0


def test_it_respects_the_tracks_audience() -> None:
    learners = [learner(1, segment="student"), learner(2, segment="sme_owner")]
    cohorts = [cohort(1, capacity=5, audience=("sme_owner",))]
    result = assign(learners, cohorts)
    assert result.placements == {2: 1}
    assert result.unplaced[0][1].code == NO_TRACK_FOR_SEGMENT


@pytest.mark.parametrize("seed", range(40))
def test_it_is_optimal_against_brute_force_on_tiny_instances(seed: int) -> None:
    rng = random.Random(seed)
    learners, cohorts = random_instance(rng, rng.randint(1, 6), rng.randint(1, 4))
    result = assign(learners, cohorts)
    check_valid(result, learners, cohorts)
    assert (result.figures.placed, result.figures.preference_score) == brute_force(
        learners, cohorts
    )


def test_it_is_never_worse_than_greedy_on_random_instances() -> None:
    rng = random.Random(7)
    strictly_better = 0
    for _ in range(40):
        learners, cohorts = random_instance(rng, 60, 15)
        s = assign(learners, cohorts).figures
        g = greedy_first_fit(learners, cohorts).figures
        assert s.placed >= g.placed
        if s.placed == g.placed:
            assert s.preferred_modality >= g.preferred_modality
            assert s.preference_score >= g.preference_score
        strictly_better += (s.placed, s.preference_score) > (g.placed, g.preference_score)
    assert strictly_better > 0


def test_it_places_everyone_where_greedy_leaves_someone_out() -> None:
    # Greedy gives learner 1 the virtual seat they prefer; learner 2, from another
    # department, then has nowhere to go. The solver sends learner 1 in person instead.
    learners = [learner(1, "08", "virtual"), learner(2, "05", "in_person")]
    cohorts = [cohort(1, "virtual"), cohort(2, "in_person", "08")]
    greedy = greedy_first_fit(learners, cohorts)
    assert greedy.placements == {1: 1}
    assert [(lid, r.code) for lid, r in greedy.unplaced] == [(2, COHORTS_FULL)]
    result = assign(learners, cohorts)
    assert result.placements == {1: 2, 2: 1}
    assert result.unplaced == []


def test_it_prefers_the_learners_modality_once_everyone_is_placed() -> None:
    learners = [learner(1, "08", "in_person"), learner(2, "08", "virtual")]
    cohorts = [cohort(1, "virtual"), cohort(2, "in_person", "08")]
    result = assign(learners, cohorts)
    assert result.placements == {1: 2, 2: 1}
    assert result.figures.preferred_modality == 2
    assert result.figures.share_preferred_modality == 1.0


def test_it_gives_each_unplaced_learner_a_reason_with_its_code_and_params() -> None:
    learners = [
        learner(1, "03", "in_person", ("evening",)),  # nothing in the evening at all
        learner(2, "08", "virtual", ("morning",), "student"),  # track not for students
        learner(3, "08", "virtual", ("morning",)),  # placed
        learner(4, "08", "virtual", ("morning",)),  # the one cohort is full
    ]
    cohorts = [cohort(7, "virtual", slot="morning", capacity=1, audience=("sme_owner",))]
    result = assign(learners, cohorts)
    assert result.placements == {3: 7}
    reasons = dict(result.unplaced)
    assert reasons[1].code == NO_COHORT
    assert reasons[1].params == {"department": "03", "modality": "in_person", "slots": ["evening"]}
    assert reasons[2].code == NO_TRACK_FOR_SEGMENT
    assert reasons[2].params["segment"] == "student"
    assert reasons[4].code == COHORTS_FULL
    assert reasons[4].params["cohorts"] == [7]
    assert all(r.message for r in reasons.values())
    assert result.figures.unplaced == 3


def test_it_keeps_existing_placements_unless_asked_to_reoptimise() -> None:
    # Learner 1 sits in the virtual cohort; learner 2 can only go there.
    learners = [learner(1, "08", "virtual", current=1), learner(2, "05", "in_person")]
    cohorts = [cohort(1, "virtual"), cohort(2, "in_person", "08")]
    kept = assign(learners, cohorts)
    assert kept.placements == {1: 1}
    assert kept.figures.kept == 1
    assert [(lid, r.code) for lid, r in kept.unplaced] == [(2, COHORTS_FULL)]
    again = assign(learners, cohorts, reoptimise=True)
    assert again.placements == {1: 2, 2: 1}
    assert again.figures.kept == 0


def test_it_moves_a_learner_whose_current_cohort_is_no_longer_feasible() -> None:
    # Cohort 1 moved to the evening, which learner 1 did not choose.
    learners = [learner(1, slots=("morning",), current=1)]
    cohorts = [cohort(1, slot="evening"), cohort(2, slot="morning")]
    result = assign(learners, cohorts)
    assert result.placements == {1: 2}
    assert result.figures.kept == 0


def test_it_keeps_only_as_many_as_a_lowered_capacity_allows() -> None:
    learners = [learner(i, current=1) for i in (1, 2, 3)]
    cohorts = [cohort(1, capacity=2), cohort(2, capacity=5)]
    result = assign(learners, cohorts)
    assert result.placements == {1: 1, 2: 1, 3: 2}
    assert result.figures.kept == 2


def test_it_is_deterministic_whatever_the_input_order() -> None:
    rng = random.Random(3)
    learners, cohorts = random_instance(rng, 200, 30)
    first = assign(learners, cohorts)
    shuffled_l, shuffled_c = learners[:], cohorts[:]
    rng.shuffle(shuffled_l)
    rng.shuffle(shuffled_c)
    second = assign(shuffled_l, shuffled_c)
    assert first.placements == second.placements
    assert first.unplaced == second.unplaced
    assert assign(learners, cohorts).placements == first.placements


def test_it_rejects_malformed_input() -> None:
    with pytest.raises(ValueError, match="duplicate learner"):
        assign([learner(1), learner(1)], [])
    with pytest.raises(ValueError, match="slots"):
        assign([learner(1, slots=("midnight",))], [])
    with pytest.raises(ValueError, match="department"):
        assign([], [cohort(1, "in_person", None)])


def test_it_handles_nothing_to_place() -> None:
    result = assign([], [cohort(1)])
    assert result.placements == {}
    assert result.figures.share_placed == 1.0
