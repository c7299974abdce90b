"""The planning helper in the admin: proposals from the waiting learners, then cohorts."""

from __future__ import annotations

from django.test import Client

from yachay.accounts.models import User
from yachay.cohorts.models import Cohort, Enrollment
from yachay.cohorts.services import planning_demands
from yachay.programs.models import Call, Track


def test_waiting_learners_become_demands_by_track(enrolled: list[Enrollment], call: Call) -> None:
    Track.objects.create(program=call.program, name="IA para tu negocio", slug="ia")
    demands, no_track = planning_demands(call=call)
    assert no_track == 0
    assert sum(d.count for d in demands) == 5
    assert {d.track for d in demands} == {"ia"}


def test_without_an_open_track_learners_are_counted_apart(
    enrolled: list[Enrollment], call: Call
) -> None:
    Track.objects.create(
        program=call.program, name="Solo expertos", slug="x", audience=["sme_expert"]
    )
    demands, no_track = planning_demands(call=call)
    assert sum(d.count for d in demands) == 1 and no_track == 4


def test_the_admin_proposes_then_creates_the_cohorts_kept(
    enrolled: list[Enrollment], call: Call, users: dict[str, User]
) -> None:
    Track.objects.create(program=call.program, name="IA para tu negocio", slug="ia")
    client = Client()
    client.force_login(users["admin"])
    form = {
        "call": call.pk, "capacity": 5, "instructors": 3, "cohorts_per_instructor": 2,
        "starts_on": "2027-03-01", "ends_on": "2027-05-30",
    }  # fmt: skip
    page = client.get("/admin/cohorts/cohort/plan/")
    assert page.status_code == 200
    proposed = client.post("/admin/cohorts/cohort/plan/", {**form, "propose": "1"})
    body = proposed.content.decode()
    assert proposed.status_code == 200 and "Cusco" in body
    rows = proposed.context["rows"]
    kept = {f"n{i}": (0 if i == 0 else p.cohorts) for i, p, *_ in rows}
    done = client.post("/admin/cohorts/cohort/plan/", {**form, **kept, "create": "1"})
    assert done.status_code == 302
    expected = sum(p.cohorts for i, p, *_ in rows if i != 0)
    assert Cohort.objects.count() == expected > 0
    assert all(c.capacity == 5 for c in Cohort.objects.all())


def test_bad_plan_inputs_are_answered_next_to_the_field(call: Call, users: dict[str, User]) -> None:
    client = Client()
    client.force_login(users["admin"])
    page = client.post(
        "/admin/cohorts/cohort/plan/",
        {"call": "999", "capacity": "-3", "instructors": "muchos", "starts_on": "2027-05-01",
         "ends_on": "2027-01-01", "cohorts_per_instructor": "2"},
    )  # fmt: skip
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"call", "capacity", "instructors", "ends_on"}
    assert not Cohort.objects.exists()


def test_coordinators_cannot_plan(users: dict[str, User]) -> None:
    client = Client()
    client.force_login(users["coordinator"])
    assert client.get("/admin/cohorts/cohort/plan/").status_code in (302, 403)
