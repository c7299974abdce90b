"""Selection runs end to end on the database: dry run, publish, explanations, commands."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from yachay.conftest import bearer
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.intake.models import Application
from yachay.intake.services import application_submit
from yachay.programs.models import Call, Target
from yachay.selection.models import Decision, SelectionPolicy, SelectionRun
from yachay.selection.services import SelectionRefused, selection_dry_run, selection_publish

# (gender, ubigeo, segment, woman_led): 6 women (2 in Lima), 6 men (4 in Lima).
PEOPLE = [
    ("female", "150101", "entrepreneur", True),
    ("female", "150101", "sme_expert", None),
    ("female", "080101", "entrepreneur", False),
    ("female", "210101", "sme_expert", None),
    ("female", "030101", "entrepreneur", True),
    ("female", "090101", "other", None),
    ("male", "150101", "entrepreneur", False),
    ("male", "150101", "sme_expert", None),
    ("male", "070101", "other", None),
    ("male", "150102", "entrepreneur", True),
    ("male", "080101", "sme_expert", None),
    ("male", "050101", "entrepreneur", False),
]


def submit(
    call: Call, i: int, gender: str, ubigeo: str, segment: str, woman_led: bool | None
) -> Application:
    data = {
        "dni": f"7{i:07d}", "dni_check": "", "given_names": "Urpi", "paternal_surname": "Quispe",
        "maternal_surname": "", "birth_date": dt.date(1990, 1, 1), "gender": gender,
        "email": f"p{i}@example.pe", "phone": "+51987654321", "ubigeo": ubigeo, "segment": segment,
        "ruc": "", "business_name": "", "sector": "", "woman_led": woman_led, "digital_level": 3,
        "modality": "virtual", "schedules": ["evening"], "accessibility_needs": "",
        "consent_version": call.consent_version,
    }  # fmt: skip
    return application_submit(
        call=call, data=data, consent_ip="127.0.0.1", actor=SYSTEM, source="web"
    )


@pytest.fixture
def closed_call(call: Call) -> Call:
    call.ruc_required_segments = []
    call.seats = 6
    call.save()
    for i, person in enumerate(PEOPLE):
        submit(call, i, *person)
    call.closes_at = timezone.now() - dt.timedelta(minutes=1)
    call.opens_at = call.closes_at - dt.timedelta(days=30)
    call.save()
    SelectionPolicy.objects.create(call=call, seed="sorteo-2027-01-15", kind="score")
    Target.objects.create(
        program=call.program,
        kind="min",
        measure="share",
        amount=Decimal(50),
        dimension="gender",
        value="female",
    )
    Target.objects.create(
        program=call.program,
        kind="min",
        measure="share",
        amount=Decimal(50),
        dimension="department_group",
        value="rest",
    )
    return call


def test_a_dry_run_meets_the_targets_and_decides_nothing(closed_call: Call) -> None:
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert run.state == "dry_run" and run.status == "optimal"
    assert len(run.admitted_ids) == 6 and len(run.waitlist_ids) == 6
    admitted = Application.objects.filter(pk__in=run.admitted_ids)
    assert admitted.filter(gender="female").count() >= 3
    assert sum(1 for a in admitted if a.department_group == "rest") >= 3
    assert all(row["met"] for row in run.targets)
    assert Decision.objects.count() == 0
    assert AuditEvent.objects.filter(action="selection.dry_run", object_id=str(run.pk)).exists()


def test_publishing_writes_every_decision_exactly_as_the_dry_run_showed(closed_call: Call) -> None:
    run = selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    assert run.state == "published"
    admitted = set(
        Decision.objects.filter(outcome="admitted").values_list("application_id", flat=True)
    )
    assert admitted == set(run.admitted_ids)
    positions = list(
        Decision.objects.filter(outcome="waitlisted")
        .order_by("position")
        .values_list("application_id", flat=True)
    )
    assert positions == run.waitlist_ids


def test_publishing_a_stale_dry_run_is_refused(closed_call: Call) -> None:
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    Target.objects.create(
        program=closed_call.program,
        kind="min",
        measure="count",
        amount=Decimal(2),
        dimension="segment",
        value="sme_expert",
    )
    with pytest.raises(SelectionRefused, match="cambiaron"):
        selection_publish(run=run, actor=SYSTEM)
    assert Decision.objects.count() == 0


def test_a_second_run_while_one_is_running_is_refused(closed_call: Call) -> None:
    SelectionRun.objects.create(call=closed_call, actor_label="other", state="running")
    with pytest.raises(SelectionRefused, match="en curso"):
        selection_dry_run(call=closed_call, actor=SYSTEM)


def test_it_refuses_to_select_while_the_call_is_open_or_after_publishing(closed_call: Call) -> None:
    selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    with pytest.raises(SelectionRefused, match="ya está publicada"):
        selection_dry_run(call=closed_call, actor=SYSTEM)
    closed_call.closes_at = timezone.now() + dt.timedelta(days=1)
    closed_call.save()
    with pytest.raises(SelectionRefused):
        selection_dry_run(call=closed_call, actor=SYSTEM)


def test_targets_that_cannot_be_met_say_which_and_by_how_much(closed_call: Call) -> None:
    Target.objects.create(
        program=closed_call.program,
        kind="min",
        measure="count",
        amount=Decimal(5),
        dimension="department",
        value="08",
    )
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert run.status == "infeasible" and not run.admitted_ids
    assert any(s["required"] == 5 and s["available"] == 2 for s in run.shortfalls)
    with pytest.raises(SelectionRefused):
        selection_publish(run=run, actor=SYSTEM)


def test_the_closest_feasible_mode_states_each_shortfall(closed_call: Call) -> None:
    SelectionPolicy.objects.filter(call=closed_call).update(mode="closest")
    Target.objects.create(
        program=closed_call.program,
        kind="min",
        measure="count",
        amount=Decimal(5),
        dimension="department",
        value="08",
    )
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert run.status == "closest_feasible" and len(run.admitted_ids) == 6
    assert run.total_shortfall == 3


def test_an_ineligible_application_records_each_rule_it_fails(closed_call: Call) -> None:
    closed_call.allowed_segments = ["entrepreneur", "sme_expert", "sme_owner"]
    closed_call.save()
    run = selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    ineligible = Decision.objects.filter(outcome="ineligible")
    assert ineligible.count() == 2  # the two applicants of segment "other"
    assert all(d.rules == ["segment"] for d in ineligible)
    assert run.ineligible


def test_the_status_page_explains_the_decision(client: Client, closed_call: Call) -> None:
    selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    waiting = Decision.objects.filter(outcome="waitlisted").order_by("position").first()
    assert waiting is not None
    app = waiting.application
    r = client.post(
        f"/convocatorias/{closed_call.slug}/estado/", {"dni": app.dni, "reference": app.reference}
    )
    html = r.content.decode()
    assert 'data-outcome="waitlisted"' in html
    assert "posición 1 de 6" in html


def test_the_api_shows_decision_position_and_explanation(
    client: Client, closed_call: Call, users: dict[str, Any]
) -> None:
    from yachay.accounts.services import api_key_create

    selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    _key, raw = api_key_create(name="admin", user=users["admin"], actor=SYSTEM)
    waiting = Decision.objects.filter(outcome="waitlisted").order_by("position").last()
    assert waiting is not None
    body = client.get(
        f"/api/v1/calls/{closed_call.slug}/applications/{waiting.application.reference}",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(raw),
    ).json()
    assert body["decision"] == "waitlisted" and body["position"] == 6
    assert "position 6 of 6" in body["explanation"]


def test_selection_run_prints_the_table_and_verify_confirms_it(closed_call: Call) -> None:
    out = StringIO()
    call_command("selection_run", closed_call.slug, "--publish", stdout=out)
    text = out.getvalue()
    assert "run id:" in text and "Published" in text and "al menos 50" in text
    run = SelectionRun.objects.get(state="published")
    out = StringIO()
    call_command("selection_verify", str(run.pk), stdout=out)
    assert out.getvalue().startswith("OK")


def test_selection_verify_shows_a_difference(closed_call: Call) -> None:
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    run.admitted_ids = list(reversed(run.admitted_ids))
    run.save()
    out = StringIO()
    with pytest.raises(CommandError, match="differ"):
        call_command("selection_verify", str(run.pk), stdout=out)
    assert "admitted order changed: True" in out.getvalue()


def test_the_same_seed_gives_the_same_decisions(closed_call: Call) -> None:
    first = selection_dry_run(call=closed_call, actor=SYSTEM)
    second = selection_dry_run(call=closed_call, actor=SYSTEM)
    other = selection_dry_run(call=closed_call, actor=SYSTEM, seed="otra-semilla")
    assert first.decisions_hash == second.decisions_hash
    assert other.seed == "otra-semilla"


def test_selection_run_refuses_an_unknown_call(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("selection_run", "no-existe")


def test_the_admin_shows_the_run_in_words_and_cannot_publish_in_bulk(
    client: Client, closed_call: Call, users: dict[str, Any]
) -> None:
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    client.force_login(users["admin"])
    html = client.get(f"/admin/selection/selectionrun/{run.pk}/change/").content.decode()
    assert "<table>" in html and "al menos 50\u00a0%" in html and "resto del Perú" in html
    assert f"/programa/seleccion/{run.pk}/" in html  # the way to review and publish
    for internal in ("optimal", "strict", "user:", '"kind"', "Gender", "FULL NAME"):
        assert internal not in html, internal
    r = client.post(
        "/admin/selection/selectionrun/",
        {"action": "publish", "_selected_action": [run.pk]},
        follow=True,
    )
    assert r.status_code == 200
    assert SelectionRun.objects.get(pk=run.pk).state == "dry_run"  # no one-click publication
    assert json.dumps(run.targets)  # stored as plain JSON


def test_the_admin_runs_a_dry_run_from_the_call_list(
    client: Client, closed_call: Call, users: dict[str, Any]
) -> None:
    client.force_login(users["admin"])
    r = client.post(
        "/admin/programs/call/",
        {"action": "dry_run", "_selected_action": [closed_call.pk]},
        follow=True,
    )
    assert r.status_code == 200
    assert SelectionRun.objects.filter(call=closed_call, state="dry_run").count() == 1
    assert client.get(f"/admin/programs/call/{closed_call.pk}/change/").status_code == 200


def test_an_admin_sets_the_policy_with_one_field_per_criterion(
    client: Client, call: Call, users: dict[str, Any]
) -> None:
    client.force_login(users["admin"])
    page = client.get(f"/admin/programs/call/{call.pk}/change/")
    for code in ("woman", "woman_led", "outside_lima", "low_digital", "sme_owner", "micro"):
        assert f'name="selection_policy-0-w_{code}"' in page.content.decode()
    form = page.context["adminform"].form
    data = {
        name: form[name].value() or ""
        for name in form.fields
        if name not in ("allowed_segments", "ruc_required_segments")
    }
    data |= {
        "allowed_segments": call.allowed_segments,
        "ruc_required_segments": call.ruc_required_segments,
    }
    for name in ("opens_at", "closes_at"):
        value = timezone.localtime(getattr(call, name))
        data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), value.strftime("%H:%M:%S")
    data |= {
        "selection_policy-TOTAL_FORMS": "1", "selection_policy-INITIAL_FORMS": "0",
        "selection_policy-MIN_NUM_FORMS": "0", "selection_policy-MAX_NUM_FORMS": "1",
        "selection_policy-0-call": str(call.pk), "selection_policy-0-kind": "score",
        "selection_policy-0-seed": "sorteo público 2027", "selection_policy-0-mode": "strict",
        "selection_policy-0-offer_days": "7", "selection_policy-0-w_woman_led": "5",
        "selection_policy-0-w_outside_lima": "2", "selection_policy-0-w_low_digital": "",
    }  # fmt: skip
    r = client.post(f"/admin/programs/call/{call.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    # The admin's message reads well in Spanish whatever the model's gender.
    message = client.get(r["Location"]).content.decode()
    assert "Se guardaron los cambios de" in message and "El convocatoria" not in message
    policy = SelectionPolicy.objects.get(call=call)
    assert policy.weights == {"woman_led": 5, "outside_lima": 2}
    assert policy.seed == "sorteo público 2027"


def test_contradictory_targets_are_reported_not_solved(closed_call: Call) -> None:
    program = closed_call.program
    Target.objects.create(
        program=program,
        kind="max",
        measure="count",
        amount=Decimal(2),
        dimension="gender",
        value="female",
    )
    run = selection_dry_run(call=closed_call, actor=SYSTEM)  # min 50% (3) women, max 2 women
    assert run.status == "infeasible"
    assert any(s["reason"] == "min_above_max" for s in run.shortfalls)


def test_floors_summing_past_the_seats_are_reported(closed_call: Call) -> None:
    program = closed_call.program
    for segment in ("entrepreneur", "sme_expert"):
        Target.objects.create(
            program=program,
            kind="min",
            measure="count",
            amount=Decimal(4),
            dimension="segment",
            value=segment,
        )
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert run.status == "infeasible"
    assert any(s["reason"] == "floors_exceed_seats" for s in run.shortfalls)


def test_zero_seats_fails_with_a_clear_error(closed_call: Call) -> None:
    Call.objects.filter(pk=closed_call.pk).update(seats=0)
    closed_call.refresh_from_db()
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert run.state == "failed" and run.error
    with pytest.raises(SelectionRefused):
        selection_publish(run=run, actor=SYSTEM)


def test_no_eligible_applicant_admits_nobody_and_says_why(closed_call: Call) -> None:
    closed_call.max_age = 20  # everyone was born in 1990
    closed_call.save()
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert run.state == "failed" and run.error  # nothing to solve, and it says so
    assert not run.admitted_ids and len(run.ineligible) == 12
    assert all(rules == ["age"] for rules in run.ineligible.values())


def test_a_coordinator_sees_the_explanation_for_their_departments(
    client: Client, closed_call: Call, users: dict[str, Any]
) -> None:
    selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    cusco = Application.objects.filter(department="08").first()
    lima = Application.objects.filter(department="15").first()
    assert cusco and lima
    client.force_login(users["coordinator"])
    html = client.get(f"/admin/intake/application/{cusco.pk}/change/").content.decode()
    assert "vacante" in html or "lista de espera" in html
    assert (
        lima.reference
        not in client.get(
            f"/admin/intake/application/{lima.pk}/change/", follow=True
        ).content.decode()
    )


def test_shortfalls_read_in_spanish_on_the_run_screen(
    client: Client, closed_call: Call, users: dict[str, Any]
) -> None:
    Target.objects.create(
        program=closed_call.program,
        kind="min",
        measure="count",
        amount=Decimal(5),
        dimension="department",
        value="08",
    )
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    client.force_login(users["admin"])
    html = client.get(f"/admin/selection/selectionrun/{run.pk}/change/").content.decode()
    assert "se necesitan 5; solo 2 elegibles" in html
    Call.objects.filter(pk=closed_call.pk).update(seats=0)
    closed_call.refresh_from_db()
    failed = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert "No hay vacantes" in failed.error
