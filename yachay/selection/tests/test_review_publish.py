"""Selection cannot go wrong silently: policy checks, the review page, typed confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection.admin import PolicyForm
from yachay.selection.models import Decision, Offer, SelectionPolicy, SelectionRun
from yachay.selection.services import SelectionRefused, selection_dry_run
from yachay.selection.tests.test_selection_runs import closed_call  # noqa: F401  (fixture)


@pytest.fixture
def admin_client(client: Client, users: dict[str, Any]) -> Client:
    client.force_login(users["admin"])
    return client


def test_a_score_policy_without_weights_is_refused_before_solving(closed_call: Call) -> None:  # noqa: F811
    SelectionPolicy.objects.filter(call=closed_call).update(kind="score", weights={})
    with pytest.raises(SelectionRefused) as refused:
        selection_dry_run(call=closed_call, actor=SYSTEM)
    assert "ningún criterio tiene peso" in refused.value.message
    assert SelectionRun.objects.count() == 0


def test_weights_that_cannot_tell_applicants_apart_are_refused(closed_call: Call) -> None:  # noqa: F811
    # Nobody gave a RUC: "micro-enterprise" alone gives every applicant priority 0.
    SelectionPolicy.objects.filter(call=closed_call).update(kind="score", weights={"micro": 4})
    with pytest.raises(SelectionRefused) as refused:
        selection_dry_run(call=closed_call, actor=SYSTEM)
    assert "la misma prioridad" in refused.value.message
    assert SelectionRun.objects.count() == 0


def test_a_lottery_with_no_weights_runs(closed_call: Call) -> None:  # noqa: F811
    SelectionPolicy.objects.filter(call=closed_call).update(kind="lottery", weights={})
    assert selection_dry_run(call=closed_call, actor=SYSTEM).state == "dry_run"


def test_the_policy_form_refuses_a_score_with_no_weight(call: Call) -> None:
    data = {"kind": "score", "seed": "s", "mode": "strict", "offer_days": "7"}
    form = PolicyForm(data=data | {f"w_{c}": "0" for c in ("woman", "micro")})
    assert not form.is_valid()
    assert "peso" in str(form.non_field_errors())
    form = PolicyForm(data=data | {"w_woman": "3"})
    assert form.is_valid(), form.errors
    form.instance.call = call
    assert form.save().weights == {"woman": 3}


def test_a_new_policy_shows_the_default_weights(db: None) -> None:
    form = PolicyForm()
    assert form["w_woman_led"].value() == 3 and form["w_woman"].value() == 0


def test_the_call_page_refuses_a_dry_run_with_a_message_in_spanish(
    admin_client: Client,
    closed_call: Call,  # noqa: F811
) -> None:
    SelectionPolicy.objects.filter(call=closed_call).update(weights={})
    r = admin_client.post(f"/programa/convocatorias/{closed_call.slug}/seleccion/")
    assert r.status_code == 409
    assert "ningún criterio tiene peso" in r.content.decode()


def test_the_dry_run_button_leads_to_the_review_page_in_words(
    admin_client: Client,
    closed_call: Call,  # noqa: F811
) -> None:
    page = admin_client.get(f"/programa/convocatorias/{closed_call.slug}/seleccion/")
    assert "Ejecutar una simulación de la selección" in page.content.decode()
    r = admin_client.post(f"/programa/convocatorias/{closed_call.slug}/seleccion/")
    run = SelectionRun.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/programa/seleccion/{run.pk}/"
    html = admin_client.get(r["Location"]).content.decode()
    assert "Mujer" in html and "al menos 50\u00a0%" in html and "66,7\u00a0% (4 personas)" in html
    assert "Cusco" in html and "Lima" in html  # department names, not INEI codes
    assert 'id="counts"' in html and ">6</strong>serán admitidas" in html.replace("\n", "")
    assert "6</strong>correos con la oferta" in html
    for internal in ("optimal", "strict", "user:", "{&quot;", '{"', "0.0", ">08<"):
        assert internal not in html, internal
    assert Decision.objects.count() == 0  # a dry run decides nothing


def test_the_review_compares_with_the_previous_dry_run(
    admin_client: Client,
    closed_call: Call,  # noqa: F811
) -> None:
    first = selection_dry_run(call=closed_call, actor=SYSTEM)
    SelectionPolicy.objects.filter(call=closed_call).update(seed="otra")
    second = selection_dry_run(call=closed_call, actor=SYSTEM)
    html = admin_client.get(f"/programa/seleccion/{second.pk}/").content.decode()
    assert f"Comparada con la simulación n.º\u00a0{first.pk}" in html
    assert 'id="comparison"' in html


def test_publishing_needs_the_call_identifier_typed(
    admin_client: Client,
    closed_call: Call,  # noqa: F811
) -> None:
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    url = f"/programa/seleccion/{run.pk}/"
    r = admin_client.post(url, {"confirm": "otra-convocatoria"})
    assert r.status_code == 422
    html = r.content.decode()
    assert f"Escribe exactamente: {closed_call.slug}" in html
    assert 'value="otra-convocatoria"' in html  # what was typed is kept
    assert admin_client.post(url, {}).status_code == 422
    assert SelectionRun.objects.get(pk=run.pk).state == "dry_run"
    assert Decision.objects.count() == 0


def test_publishing_twice_publishes_once(
    admin_client: Client,
    closed_call: Call,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    url = f"/programa/seleccion/{run.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        first = admin_client.post(url, {"confirm": f"  {closed_call.slug.upper()} "})
        second = admin_client.post(url, {"confirm": closed_call.slug})
    assert first.status_code == second.status_code == 302
    assert SelectionRun.objects.get(pk=run.pk).state == "published"
    assert Decision.objects.count() == Application.objects.count() == 12
    assert Offer.objects.count() == 6
    events = AuditEvent.objects.filter(action="selection.publish", object_id=str(run.pk))
    assert events.count() == 1 and events.get().actor_label != "system"
    page = admin_client.get(url).content.decode()
    assert "ya está publicada" in page and 'name="confirm"' not in page


@pytest.mark.parametrize("role", ["coordinator", "instructor"])
def test_only_a_program_admin_reaches_selection_pages(
    client: Client,
    closed_call: Call,  # noqa: F811
    users: dict[str, Any],
    role: str,
) -> None:
    run = selection_dry_run(call=closed_call, actor=SYSTEM)
    assert client.get(f"/programa/seleccion/{run.pk}/").status_code == 302  # sign in first
    client.force_login(users[role])
    assert client.get(f"/programa/seleccion/{run.pk}/").status_code == 403
    assert (
        client.post(f"/programa/seleccion/{run.pk}/", {"confirm": closed_call.slug}).status_code
        == 403
    )
    assert client.post(f"/programa/convocatorias/{closed_call.slug}/seleccion/").status_code == 403
    assert SelectionRun.objects.get(pk=run.pk).state == "dry_run"


def test_the_call_admin_links_to_its_selection(
    admin_client: Client,
    closed_call: Call,  # noqa: F811
) -> None:
    html = admin_client.get(f"/admin/programs/call/{closed_call.pk}/change/").content.decode()
    assert f"/programa/convocatorias/{closed_call.slug}/seleccion/" in html


def test_a_decision_in_the_admin_reads_in_words(
    admin_client: Client,
    closed_call: Call,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    from yachay.selection.services import selection_publish

    with django_capture_on_commit_callbacks(execute=True):
        selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    decision = Decision.objects.filter(application__gender="male").first()
    assert decision is not None
    html = admin_client.get(f"/admin/selection/decision/{decision.pk}/change/").content.decode()
    assert "hombre" in html
    for english in ("Gender", "Department group", ">male<", ">rest<"):
        assert english not in html, english
