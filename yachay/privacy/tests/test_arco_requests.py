"""ARCO requests from the site: proving who you are, each kind of request, bad input."""

from __future__ import annotations

import re
import time
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from yachay.accounts.models import User
from yachay.core.models import AuditEvent, Objection
from yachay.core.objections import objects_to
from yachay.intake.models import Application
from yachay.privacy.models import Case

EMAIL = "illari.quispe@example.pe"
pytestmark = pytest.mark.usefixtures("after_commit_now")


def ask(client: Client, slug: str, **data: Any) -> Any:
    return client.post(reverse("privacy:request", args=[slug]), data)


def link_in_last_email() -> str:
    body = str(mail.outbox[-1].body)
    found = re.search(r"https?://\S+/privacidad/confirmar/\S+/", body)
    assert found, body
    return urlsplit(found.group(0)).path


def test_the_privacy_notice_and_the_rights_page_link_to_the_requests(client: Client) -> None:
    assert reverse("privacy:rights") in client.get(reverse("privacy")).content.decode()
    page = client.get(reverse("privacy:rights")).content.decode()
    for slug in ("acceso", "rectificacion", "oposicion", "cancelacion"):
        assert reverse("privacy:request", args=[slug]) in page


def test_an_unknown_kind_of_request_is_a_404(client: Client) -> None:
    assert client.get("/privacidad/solicitudes/borrar-todo/nueva/").status_code == 404


def test_an_access_request_by_email_waits_for_the_link_then_is_answered(
    client: Client, applicant: Application
) -> None:
    response = ask(client, "acceso", how="email", email=EMAIL.upper())
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.status == Case.Status.RECEIVED and case.due_on is None
    assert mail.outbox[-1].to == [EMAIL]
    link = link_in_last_email()
    assert client.get(link).status_code == 200  # a mail scanner's visit changes nothing
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED
    response = client.post(link)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED and case.due_on is not None
    assert mail.outbox[-1].subject.startswith("Respuesta")
    download = client.get(reverse("privacy:download", args=[case.code, "json"]))
    assert download.status_code == 200
    assert b"YCH-" in download.content
    assert "no-store" in download["Cache-Control"]


def test_a_confirmation_link_works_once(client: Client, applicant: Application) -> None:
    ask(client, "acceso", how="email", email=EMAIL)
    link = link_in_last_email()
    client.post(link)
    events = AuditEvent.objects.count()
    again = client.post(link)
    assert again.status_code == 404
    assert "ya está confirmada" in again.content.decode()
    assert AuditEvent.objects.count() == events


def test_a_forged_link_changes_nothing(client: Client, applicant: Application) -> None:
    ask(client, "acceso", how="email", email=EMAIL)
    link = link_in_last_email()
    forged = link[:-6] + ("A" if link[-6] != "A" else "B") + link[-5:]
    for bad in (forged, "/privacidad/confirmar/abc/", "/privacidad/confirmar/" + "x" * 5000 + "/"):
        response = client.post(bad)
        assert response.status_code == 404
        assert "no es válido" in response.content.decode()
    assert Case.objects.get().status == Case.Status.RECEIVED


def test_an_expired_link_changes_nothing(client: Client, applicant: Application) -> None:
    ask(client, "acceso", how="email", email=EMAIL)
    link = link_in_last_email()
    later = time.time() + 49 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(link)
    assert response.status_code == 404
    assert "venció" in response.content.decode()
    assert Case.objects.get().status == Case.Status.RECEIVED


def test_an_address_not_on_file_gets_the_same_answer_and_nothing_is_made(
    client: Client, applicant: Application
) -> None:
    known = ask(client, "acceso", how="email", email=EMAIL).content.decode()
    unknown = ask(client, "acceso", how="email", email="otra.persona@example.pe")
    assert unknown.status_code == 200
    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)  # noqa: E731
    assert strip(unknown.content.decode()) == strip(known)
    assert Case.objects.count() == 1
    assert len(mail.outbox) == 2  # the application's confirmation + one link, to the owner


def test_dni_and_reference_send_the_link_to_the_email_on_file(
    client: Client, applicant: Application
) -> None:
    response = ask(
        client, "acceso", how="dni", dni="45678912", reference=applicant.reference.lower()
    )
    assert response.status_code == 200
    assert "i•••@example.pe" in response.content.decode()
    assert mail.outbox[-1].to == [EMAIL]
    assert Case.objects.get().application == applicant


def test_a_wrong_dni_or_reference_finds_nothing(client: Client, applicant: Application) -> None:
    for dni, ref in (("45678913", applicant.reference), ("45678912", "YCH-AAAAAA")):
        response = ask(client, "acceso", how="dni", dni=dni, reference=ref)
        assert response.status_code == 422
        assert "No encontramos" in response.content.decode()
    assert not Case.objects.exists()


def test_a_signed_in_learner_needs_no_link(client: Client, users: dict[str, User]) -> None:
    learner = users["learner"]
    User.objects.filter(pk=learner.pk).update(email="luz@example.pe")
    client.force_login(learner)
    response = ask(client, "acceso")
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.code}/")
    assert case.route == Case.Route.ACCOUNT and case.user == learner
    assert case.status == Case.Status.ANSWERED
    assert case.reference in client.get(reverse("privacy:rights")).content.decode()


def test_a_double_submit_makes_one_case(client: Client, users: dict[str, User]) -> None:
    client.force_login(users["learner"])
    key = "6f1c0c4e-2a7b-4a4e-9a53-8f1d2b3c4d5e"
    ask(client, "oposicion", purposes=["surveys"], submission_key=key)
    ask(client, "oposicion", purposes=["surveys"], submission_key=key)
    assert Case.objects.count() == 1


def test_an_opposition_is_recorded_for_every_app_to_read(
    client: Client, applicant: Application
) -> None:
    ask(client, "oposicion", how="email", email=EMAIL, purposes=["reminders", "analytics"])
    assert not objects_to(EMAIL, Objection.Purpose.REMINDERS)  # not before the link
    client.post(link_in_last_email())
    assert objects_to(" Illari.Quispe@Example.pe ", Objection.Purpose.REMINDERS)
    assert objects_to(EMAIL, Objection.Purpose.ANALYTICS)
    assert not objects_to(EMAIL, Objection.Purpose.SURVEYS)
    case = Case.objects.get()
    assert case.status == Case.Status.ANSWERED
    assert "recordatorios" in case.answer


def test_an_opposition_to_an_unknown_purpose_is_refused(
    client: Client, users: dict[str, User]
) -> None:
    client.force_login(users["learner"])
    response = ask(client, "oposicion", purposes=["everything"])
    assert response.status_code == 422
    assert "Elige una de las opciones" in response.content.decode()
    assert not Case.objects.exists()


def test_a_rectification_with_a_wrong_dni_check_is_refused_in_words(
    client: Client, users: dict[str, User]
) -> None:
    client.force_login(users["learner"])
    response = ask(client, "rectificacion", field="dni", value="45678912", dni_check="Z")
    assert response.status_code == 422
    assert "no coincide con el DNI" in response.content.decode()
    assert 'value="45678912"' in response.content.decode()  # what they typed is kept
    assert not Case.objects.exists()


def test_a_rectification_with_a_phone_that_is_not_peruvian_is_refused(
    client: Client, users: dict[str, User]
) -> None:
    client.force_login(users["learner"])
    for phone in ("+34 612 345 678", "01 4567890", "9" * 40):
        response = ask(client, "rectificacion", field="phone", value=phone)
        assert response.status_code == 422, phone
    assert not Case.objects.exists()


def test_a_rectification_of_a_quechua_name_is_accepted(
    client: Client, users: dict[str, User]
) -> None:
    client.force_login(users["learner"])
    response = ask(client, "rectificacion", field="given_names", value="Ch'aska Ñusta")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.details == {"changes": {"given_names": "Ch'aska Ñusta"}}
    assert case.status == Case.Status.CONFIRMED  # waits for a program admin


def test_hostile_input_gets_words_never_a_500(client: Client, applicant: Application) -> None:
    cases = [
        {"how": "email", "email": "a" * 5000 + "@example.pe"},
        {"how": "email", "email": "<script>alert(1)</script>"},
        {"how": "email", "email": "x@example.pe", "note": "n" * 5000},
        {"how": "dni", "dni": "DROP TABLE", "reference": "'; --"},
        {"how": "nowhere"},
        {"how": "email", "email": "illari\u200b@example.pe"},
    ]
    for data in cases:
        response = ask(client, "acceso", **data)
        assert response.status_code == 422, data
    response = client.post(
        reverse("privacy:request", args=["acceso"]), {"how": "email", "email": "a\x00@example.pe"}
    )
    assert response.status_code in (400, 422)
    assert not Case.objects.exists()


def test_a_guessed_case_code_shows_nothing(client: Client, applicant: Application) -> None:
    ask(client, "acceso", how="email", email=EMAIL)
    code = Case.objects.get().code
    for guess in ("1", "ARCO-23456", code[:-1] + ("A" if code[-1] != "A" else "B"), "../../etc"):
        assert client.get(f"/privacidad/solicitud/{guess}/").status_code == 404
    assert (
        client.get(f"/privacidad/solicitud/{code}/mis-datos.json").status_code == 404
    )  # not answered
    assert client.get(f"/privacidad/solicitud/{code}/mis-datos.exe").status_code == 404


def test_a_cancellation_needs_the_box_ticked(client: Client, users: dict[str, User]) -> None:
    client.force_login(users["learner"])
    response = ask(client, "cancelacion")
    assert response.status_code == 422
    assert "Marca la casilla" in response.content.decode()
    assert ask(client, "cancelacion", understood="on").status_code == 302
    assert Case.objects.get().status == Case.Status.CONFIRMED


def test_requests_never_confirmed_are_forgotten_after_their_link_expires(
    client: Client, applicant: Application
) -> None:
    import datetime as dt

    from django.utils import timezone

    from yachay.core.actors import SYSTEM
    from yachay.privacy.services import cases_forget_unconfirmed

    ask(client, "acceso", how="email", email=EMAIL)
    ask(client, "oposicion", how="email", email=EMAIL, purposes=["surveys"])
    old, recent = Case.objects.order_by("pk")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=73))
    assert cases_forget_unconfirmed(actor=SYSTEM) == 1
    assert list(Case.objects.all()) == [recent]
    assert cases_forget_unconfirmed(actor=SYSTEM) == 0


def test_another_persons_form_key_never_opens_their_case(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    key = "6f1c0c4e-2a7b-4a4e-9a53-8f1d2b3c4d5e"
    ask(client, "acceso", how="email", email=EMAIL, submission_key=key)
    theirs = Case.objects.get()
    client.force_login(users["learner"])
    response = ask(client, "acceso", submission_key=key)
    assert response.status_code == 302
    assert theirs.code not in response["Location"]
    assert Case.objects.count() == 2
