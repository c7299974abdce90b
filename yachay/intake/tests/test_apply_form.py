"""The public application form: /convocatorias/<slug>/postular/."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from yachay.conftest import valid_form_data
from yachay.core.models import AuditEvent
from yachay.intake.models import Application
from yachay.programs.models import Call

URL = "/convocatorias/2027-i/postular/"


def post(client: Client, **overrides: Any) -> Any:
    data = valid_form_data(submission_key=str(uuid.uuid4()))
    data.update(overrides)
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def birth_parts(day: dt.date) -> dict[str, str]:
    return {
        "birth_date_day": str(day.day),
        "birth_date_month": str(day.month),
        "birth_date_year": str(day.year),
    }


def errors(response: Any) -> dict[str, list[str]]:
    return {k: list(v) for k, v in response.context["form"].errors.items()}


def test_it_shows_the_form_in_spanish_by_default(client: Client, call: Call) -> None:
    r = client.get(URL)
    assert r.status_code == 200
    assert r.headers["Content-Language"] == "es"
    html = r.content.decode()
    assert '<html lang="es">' in html
    assert 'name="submission_key"' in html
    assert "Ley 29733" in html  # the consent text is shown where consent is asked


def test_it_stores_an_application_and_says_where_the_reference_went(
    client: Client, call: Call
) -> None:
    r = post(client)
    assert r.status_code == 302
    app = Application.objects.get()
    assert re.fullmatch(r"YCH-[2-9A-HJKMNP-TV-Z]{6}", app.reference)
    assert app.dni == "45678912" and app.phone == "+51987654321"
    assert (app.ubigeo, app.department) == ("080101", "08")
    assert app.schedules == ["evening", "weekend"]
    assert app.woman_led is True and app.digital_level == 3
    assert app.consent_version == "2026-1" and app.consent_ip == "127.0.0.1"
    assert app.source == "web"
    done = client.get(r["Location"]).content.decode()
    assert 'data-sent="yes"' in done and "illari.quispe@example.pe" in done
    # The reference goes by email only: a page showing it for a new DNI, and not for a DNI
    # that had applied, would tell anyone who has applied.
    assert app.reference not in done


def test_it_audits_the_submission_without_personal_data(client: Client, call: Call) -> None:
    post(client)
    app = Application.objects.get()
    event = AuditEvent.objects.get(action="application.submit")
    assert event.object_id == str(app.pk) and event.actor_label == "public"
    assert app.dni not in str(event.changes) and app.email not in str(event.changes)


def test_it_emails_the_reference_after_commit(
    client: Client, call: Call, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client)
    app = Application.objects.get()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["illari.quispe@example.pe"]
    assert app.reference in mail.outbox[0].subject and app.reference in mail.outbox[0].body
    assert "/convocatorias/2027-i/estado/" in mail.outbox[0].body


def test_the_same_form_sent_twice_yields_one_application_shown_once(
    client: Client, call: Call
) -> None:
    data = valid_form_data(submission_key=str(uuid.uuid4()))
    first = client.post(URL, data)
    second = client.post(URL, data)  # a double click, or a retry after a timeout
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1


def _answer_of(client: Client, response: Any) -> str:
    """The "application sent" page a form's answer leads to, without what differs anyway
    (the address typed, the time)."""
    assert response.status_code == 302, response.status_code
    assert re.fullmatch(
        r"/convocatorias/2027-i/postular/enviada/[0-9a-f-]{36}/", response["Location"]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    html = re.sub(r"<strong>[^<]*</strong>", "<strong>EMAIL</strong>", html)
    html = re.sub(r"Enviada el [^<]*\.", "Enviada el FECHA.", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", html)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "UUID", html)  # the address of the page


def test_the_form_answers_the_same_whether_or_not_the_dni_had_applied(
    call: Call, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue #10: "Ya existe una postulación con este DNI" told anyone who had applied."""
    with django_capture_on_commit_callbacks(execute=True):
        first = Client()
        new = _answer_of(first, post(first))
    owner = Application.objects.get()
    mail.outbox.clear()
    stranger = Client()
    with django_capture_on_commit_callbacks(execute=True):
        again = post(stranger, email="curioso@example.pe", given_names="Otro")
    assert Application.objects.count() == 1  # no second application
    assert _answer_of(stranger, again) == new  # the same page, word for word
    assert "Ya existe" not in again.content.decode()
    # The reference went to the address on file, never to the one just typed.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email] and owner.reference in mail.outbox[0].body
    assert all("curioso@example.pe" not in m.to for m in mail.outbox)
    assert AuditEvent.objects.filter(
        action="application.reference_resend", object_id=str(owner.pk), actor_label="public"
    ).exists()


def test_the_reference_is_sent_again_at_most_once_an_hour(
    call: Call, django_capture_on_commit_callbacks: Any
) -> None:
    post(Client())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert post(Client(), email="otra@example.pe").status_code == 302
    assert len(mail.outbox) == 1
    assert Application.objects.count() == 1


def test_a_double_click_after_a_dni_had_applied_sends_one_email(
    call: Call, django_capture_on_commit_callbacks: Any
) -> None:
    post(Client())
    mail.outbox.clear()
    client = Client()
    data = valid_form_data(submission_key=str(uuid.uuid4()), email="otra@example.pe")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, data)
        second = client.post(URL, data)
    assert first["Location"] == second["Location"]
    assert len(mail.outbox) == 1


def test_the_sent_page_is_shown_only_to_the_browser_that_sent_the_form(
    client: Client, call: Call
) -> None:
    r = post(client)
    mine = client.get(r["Location"]).content.decode()
    assert "illari.quispe@example.pe" in mine
    other = Client().get(r["Location"])  # the link, from another browser
    assert other.status_code == 200
    html = other.content.decode()
    assert 'data-sent="no"' in html and "illari.quispe@example.pe" not in html
    assert Application.objects.get().reference not in html
    assert "no-store" in other["Cache-Control"]


def test_the_sent_page_shows_nothing_after_an_hour(
    client: Client, call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    r = post(client)
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    html = client.get(r["Location"]).content.decode()
    assert 'data-sent="no"' in html and "illari.quispe@example.pe" not in html


def test_a_made_up_sent_address_shows_the_neutral_page(client: Client, call: Call) -> None:
    r = client.get(f"{URL}enviada/{uuid.uuid4()}/")
    assert r.status_code == 200 and 'data-sent="no"' in r.content.decode()
    assert client.get(f"{URL}enviada/no-es-un-uuid/").status_code == 404


def test_the_same_dni_may_apply_to_another_call(client: Client, call: Call) -> None:
    post(client)
    other = Call.objects.create(
        program=call.program, title="Otra", slug="otra", opens_at=call.opens_at,
        closes_at=call.closes_at, seats=10, consent_text="x",
    )  # fmt: skip
    data = valid_form_data(submission_key=str(uuid.uuid4()))
    assert client.post(f"/convocatorias/{other.slug}/postular/", data).status_code == 302
    assert Application.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dni", "1234567"),
        ("dni", "1234567A"),
        ("dni_check", "Z"),
        ("given_names", "A" * 10_000),
        ("given_names", "<script>alert('x')</script>"),
        ("paternal_surname", ""),
        ("paternal_surname", "Quispe\x07"),
        ("gender", "robot"),
        ("email", "no-es-un-correo"),
        ("phone", "01 456 7890"),
        ("phone", "+1 202 555 0143"),
        ("ruc", "20100070971"),
        ("ruc", "30100070970"),
        ("ruc", ""),
        ("digital_level", "7"),
        ("modality", "hologram"),
        ("schedules", []),
        ("schedules", ["midnight"]),
        ("district", "080201"),
        ("district", "999999"),
        ("consent", None),
    ],
)
def test_it_answers_bad_input_next_to_the_field_and_keeps_the_rest(
    client: Client, call: Call, field: str, value: Any
) -> None:
    r = post(client, **{field: value})
    assert r.status_code == 422
    errs = errors(r)
    assert field in errs, errs
    assert len(errs) == 1, errs  # only the bad field is marked
    html = r.content.decode()
    assert 'value="Quispe"' in html or field == "paternal_surname"
    assert "Bodega Doña Ñusta" in html
    assert Application.objects.count() == 0


def test_it_shows_markup_escaped(client: Client, call: Call) -> None:
    r = post(client, business_name="<b>Mi negocio</b><script>alert(1)</script>", ruc="bad")
    html = r.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_requires_a_ruc_only_for_the_segments_that_must_give_one(
    client: Client, call: Call
) -> None:
    r = post(client, segment="entrepreneur", ruc="", business_name="")
    assert r.status_code == 302
    assert Application.objects.get().ruc == ""


def test_it_refuses_a_segment_the_call_does_not_allow(client: Client, call: Call) -> None:
    call.allowed_segments = ["sme_owner", "sme_expert"]
    call.save()
    r = post(client, segment="entrepreneur")
    assert "segment" in errors(r)


def test_it_checks_the_age_on_the_closing_date(client: Client, call: Call) -> None:
    closing = timezone.localtime(call.closes_at).date()
    seventeen = closing.replace(year=closing.year - 17)
    r = post(client, **birth_parts(seventeen))
    assert "birth_date" in errors(r)
    eighteen = closing.replace(year=closing.year - 18) - dt.timedelta(days=1)
    assert post(client, **birth_parts(eighteen)).status_code == 302


@pytest.mark.parametrize("state", ["upcoming", "closed"])
def test_a_call_that_is_not_open_says_so_and_accepts_nothing(
    client: Client, call: Call, state: str
) -> None:
    now = timezone.now()
    if state == "upcoming":
        call.opens_at, call.closes_at = now + dt.timedelta(days=1), now + dt.timedelta(days=9)
    else:
        call.opens_at, call.closes_at = now - dt.timedelta(days=9), now - dt.timedelta(days=1)
    call.save()
    page = client.get(URL)
    assert page.status_code == 200 and 'name="dni"' not in page.content.decode()
    r = post(client)
    assert r.status_code == 409
    assert Application.objects.count() == 0


def test_an_unknown_call_is_a_404(client: Client, db: None) -> None:
    assert client.get("/convocatorias/no-existe/postular/").status_code == 404


def test_without_javascript_the_place_lists_fill_in_on_request(client: Client, call: Call) -> None:
    data = valid_form_data(submission_key=str(uuid.uuid4()), province="", district="")
    r = client.post(URL, {**data, "update_places": "1"})
    assert r.status_code == 200
    html = r.content.decode()
    assert '<option value="0801">Cusco</option>' in html  # provinces of Cusco now listed
    assert "errorlist" not in html  # asking for the lists is not a failed submission
    assert 'value="illari.quispe@example.pe"' in html
    assert Application.objects.count() == 0


def test_it_answers_in_english_when_asked(client: Client, call: Call) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    r = client.get(URL)
    assert '<html lang="en">' in r.content.decode()
    assert "Send my application" in r.content.decode()


def test_the_form_page_query_count_does_not_depend_on_the_number_of_applications(
    client: Client, call: Call, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        post(client, dni=f"4567891{i}", email=f"p{i}@example.pe")
    with django_assert_max_num_queries(3):
        client.get(URL)
