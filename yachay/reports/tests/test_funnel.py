"""The funnel selector: counts per stage, by dimension, per role, weekly; fixed queries."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yachay.accounts.models import User
from yachay.reports import dimensions
from yachay.reports.selectors import (
    STAGES,
    Scope,
    ScopeError,
    funnel,
    targets_followed,
)
from yachay.reports.tests.conftest import World
from yachay.selection.models import Decision

ADMIN_TOTALS = {
    "applied": 9,
    "eligible": 7,
    "admitted": 6,
    "accepted": 5,
    "placed": 4,
    "active": 2,
    "completed": 2,
    "certified": 1,
}


def test_the_admin_sees_every_stage_of_the_whole_call(world: World, users: dict[str, User]) -> None:
    f = funnel(world.call, scope=Scope.of(users["admin"]))
    assert f.total.counts == ADMIN_TOTALS
    assert f.total.rate("admitted") == pytest.approx(6 / 7)
    assert f.total.rate("completed") == pytest.approx(2 / 4)  # from placed, not from active
    assert f.total.share_of_applied("certified") == pytest.approx(1 / 9)


def test_a_coordinator_counts_only_their_departments(world: World, users: dict[str, User]) -> None:
    # Cusco (08) and Puno (21): people 0, 1, 4 and 8.
    f = funnel(world.call, scope=Scope.of(users["coordinator"]))
    assert f.total.counts == {
        "applied": 4, "eligible": 3, "admitted": 3, "accepted": 3, "placed": 2,
        "active": 1, "completed": 2, "certified": 1,
    }  # fmt: skip


def test_an_instructor_counts_only_the_learners_of_their_cohorts(
    world: World, users: dict[str, User]
) -> None:
    f = funnel(world.call, scope=Scope.of(users["instructor"]))
    assert f.total.counts["applied"] == 3
    assert f.total.counts["placed"] == 3
    assert f.total.counts["active"] == 2
    assert f.total.counts["certified"] == 1


def test_a_learner_and_a_stranger_count_nothing(world: World, users: dict[str, User]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert funnel(world.call, scope=Scope.of(users["learner"])).total.counts["applied"] == 0
    assert funnel(world.call, scope=Scope.of(AnonymousUser())).total.counts["applied"] == 0


def test_rows_by_department_split_lima_and_list_every_region(
    world: World, users: dict[str, User]
) -> None:
    f = funnel(world.call, scope=Scope.everything(), by="department")
    rows = {r.key: r for r in f.rows}
    assert len(rows) == 26  # 24 departments, Lima Metropolitana, Lima Provincias (Callao is one)
    assert rows["15M"].counts["applied"] == 2
    assert rows["15P"].counts["applied"] == 1
    assert rows["15P"].label == "Lima Provincias"
    assert rows["08"].counts["certified"] == 1
    assert rows["01"].counts["applied"] == 0
    assert sum(r.counts["applied"] for r in f.rows) == 9


@pytest.mark.parametrize(
    ("by", "key", "applied", "placed"),
    [
        ("gender", "female", 5, 3),
        ("gender", "male", 4, 1),
        ("segment", "other", 2, 0),
        ("modality", "virtual", 9, 4),
        ("age_band", "35_44", 9, 4),  # all born 1 January 1990
    ],
)
def test_rows_by_each_dimension(world: World, by: str, key: str, applied: int, placed: int) -> None:
    rows = {r.key: r for r in funnel(world.call, scope=Scope.everything(), by=by).rows}
    assert set(dimensions.values(by)) <= set(rows)
    assert (rows[key].counts["applied"], rows[key].counts["placed"]) == (applied, placed)


def test_an_unknown_dimension_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        funnel(world.call, scope=Scope.everything(), by="'; drop table--")


def test_narrowing_to_a_region_outside_the_scope_is_refused(
    world: World, users: dict[str, User]
) -> None:
    coordinator = Scope.of(users["coordinator"])
    with pytest.raises(ScopeError):
        coordinator.narrowed("15M")
    with pytest.raises(ScopeError):
        Scope.everything().narrowed("99")
    cusco = coordinator.narrowed("08")
    assert funnel(world.call, scope=cusco).total.counts["applied"] == 3


def test_the_weekly_series_adds_up_to_the_totals(world: World) -> None:
    f = funnel(world.call, scope=Scope.everything())
    assert f.weeks, "everything happened this week"
    last = f.weeks[-1].cumulative
    assert last["applied"] == 9
    assert last["admitted"] == 6
    assert last["accepted"] == 5
    assert last["completed"] == 2
    assert last["certified"] == 1
    assert [w.starts_on.weekday() for w in f.weeks] == [0] * len(f.weeks)


def test_targets_are_followed_from_admission_to_certificate(world: World) -> None:
    everything = Scope.everything()
    followed = {t.target.dimension: t for t in targets_followed(world.call, scope=everything)}
    women = {s.stage: s for s in followed["gender"].stages}
    # Admitted: 0,1,2,3,4,5 -> women 0,1,3,5 = 4 of 6; placed: 0,1,3 of 0..3 = 3 of 4.
    assert (women["admitted"].group, women["admitted"].total) == (4, 6)
    assert women["admitted"].met is True
    assert (women["placed"].group, women["placed"].total) == (3, 4)
    certified = women["certified"]
    assert (certified.group, certified.total, certified.met) == (1, 1, True)
    regions = {s.stage: s for s in followed["department_group"].stages}
    # Outside Lima Metropolitana and Callao among the admitted: 0, 1, 4 = 3 of 6 (50 % >= 40 %).
    assert (regions["admitted"].group, regions["admitted"].met) == (3, True)
    # Active: 1 (Cusco) and 2 (Lima Metropolitana): 1 of 2 = 50 %.
    assert (regions["active"].group, regions["active"].total) == (1, 2)


def test_a_stage_nobody_reached_says_neither_kept_nor_broken(
    call: Any, users: dict[str, User]
) -> None:
    from decimal import Decimal

    from yachay.programs.models import Target

    Target.objects.create(
        program=call.program, kind="min", measure="share", amount=Decimal(50),
        dimension="gender", value="female",
    )  # fmt: skip
    (followed,) = targets_followed(call, scope=Scope.everything())
    assert {s.met for s in followed.stages} == {None}


@pytest.mark.parametrize("role", ["admin", "coordinator", "instructor"])
def test_the_funnel_runs_a_fixed_number_of_queries(
    world: World, users: dict[str, User], role: str
) -> None:
    scope = Scope.of(users[role])
    with CaptureQueriesContext(connection) as q:
        funnel(world.call, scope=scope, by="department")
    selects = [x for x in q.captured_queries if x["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 6  # the rows (their sum is the total), 5 weekly series


def test_every_stage_is_counted(world: World) -> None:
    assert tuple(funnel(world.call, scope=Scope.everything()).total.counts) == STAGES


def test_someone_placed_by_hand_counts_at_every_earlier_stage(world: World) -> None:
    """A place without a selection decision (the demo's classroom on its open call, or an
    admin's enrollment) still reached 'eligible' and 'admitted': no stage outnumbers the one
    before it."""
    e = next(iter(world.enrollments.values()))
    Decision.objects.filter(application=e.application).delete()
    counts = funnel(world.call, scope=Scope.everything()).total.counts
    assert counts["admitted"] == ADMIN_TOTALS["admitted"]
    assert counts["eligible"] == ADMIN_TOTALS["eligible"]
    for earlier, later in itertools.pairwise(STAGES[:5]):
        assert counts[earlier] >= counts[later]
