from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from yachay.accounts.models import User
from yachay.programs.models import Call, Program, Target, Track


def target(program: Program, **kw: object) -> Target:
    defaults: dict[str, object] = dict(
        kind="min", measure="share", amount=Decimal(50), dimension="gender", value="female"
    )
    defaults.update(kw)
    return Target(program=program, **defaults)


def test_a_target_reads_as_a_sentence(program: Program) -> None:
    assert str(target(program)) == "at least 50% woman" or "50%" in str(target(program))


@pytest.mark.parametrize(
    "kw",
    [
        {"amount": Decimal(120)},
        {"value": "robot"},
        {"dimension": "department", "value": "99"},
        {"dimension": "department_group", "value": "lima"},
        {"measure": "count", "amount": Decimal("10.5")},
    ],
)
def test_it_refuses_a_target_that_cannot_be_meant(program: Program, kw: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        target(program, **kw).full_clean()


def test_it_accepts_department_and_group_targets(program: Program) -> None:
    target(
        program, dimension="department", value="03", measure="count", amount=Decimal(300)
    ).full_clean()
    target(program, dimension="department_group", value="rest", amount=Decimal(40)).full_clean()


def test_it_refuses_a_call_that_closes_before_it_opens_or_inverted_ages(call: Call) -> None:
    call.closes_at = call.opens_at - dt.timedelta(hours=1)
    call.max_age = 10
    with pytest.raises(ValidationError) as exc:
        call.full_clean()
    assert {"closes_at", "max_age"} <= set(exc.value.message_dict)


def test_it_refuses_unknown_segments_on_calls_and_tracks(call: Call, program: Program) -> None:
    call.allowed_segments = ["astronaut"]
    with pytest.raises(ValidationError):
        call.full_clean()
    with pytest.raises(ValidationError):
        Track(program=program, name="T", slug="t", audience=["astronaut"]).full_clean()


@pytest.mark.parametrize("modalities", [[], ["hologram"], "virtual"])
def test_it_refuses_a_call_without_a_known_modality(call: Call, modalities: object) -> None:
    call.modalities = modalities
    with pytest.raises(ValidationError) as caught:
        call.full_clean()
    assert "modalities" in caught.value.message_dict


def test_a_new_call_offers_both_modalities_for_six_weeks_by_default(call: Call) -> None:
    assert call.modalities == ["virtual", "in_person"]
    assert (call.length_weeks, call.hours_per_week, call.certificate) == (6, 3, "")


def test_a_call_knows_whether_it_is_open(call: Call) -> None:
    assert call.state() == "open" and call.is_open()
    assert call.state(call.opens_at - dt.timedelta(seconds=1)) == "upcoming"
    assert call.state(call.closes_at) == "closed"


@pytest.mark.parametrize("path", ["program/", "program/add/", "call/", "call/add/"])
def test_the_admin_screens_open_for_a_program_admin(
    client: Client, users: dict[str, User], call: Call, path: str
) -> None:
    client.force_login(users["admin"])
    assert client.get(f"/admin/programs/{path}").status_code == 200
    assert client.get(f"/admin/programs/call/{call.pk}/change/").status_code == 200
    assert client.get(f"/admin/programs/program/{call.program.pk}/change/").status_code == 200


def test_an_admin_creates_a_call_with_segment_checkboxes(
    client: Client, users: dict[str, User], program: Program
) -> None:
    client.force_login(users["admin"])
    r = client.post(
        "/admin/programs/call/add/",
        {
            "program": program.pk, "title": "Convocatoria Ñ", "slug": "conv-n",
            "description": "", "opens_at_0": "2027-01-01", "opens_at_1": "08:00",
            "closes_at_0": "2027-02-01", "closes_at_1": "23:59", "seats": "500",
            "min_age": "18", "max_age": "70", "allowed_segments": ["sme_owner", "entrepreneur"],
            "ruc_required_segments": ["sme_owner"], "consent_version": "2026-1",
            "consent_text": "Ley 29733",
            # What the call page shows.
            "modalities": ["virtual"], "length_weeks": "8", "hours_per_week": "4",
            "certificate": "Certificado digital verificable.",
            # The selection policy inline (selection app), left empty.
            "selection_policy-TOTAL_FORMS": "0", "selection_policy-INITIAL_FORMS": "0",
            "selection_policy-MIN_NUM_FORMS": "0", "selection_policy-MAX_NUM_FORMS": "1",
        },
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    made = Call.objects.get(slug="conv-n")
    assert made.allowed_segments == ["sme_owner", "entrepreneur"]
    assert made.modalities == ["virtual"]
    assert (made.length_weeks, made.hours_per_week) == (8, 4)
    assert made.certificate == "Certificado digital verificable."
