"""Provider webhooks (a bad signature changes nothing), SMS "BAJA", and the unsubscribe
link (one click per kind; a forged or someone else's link changes nothing)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from yachay.engagement import services
from yachay.engagement.models import ContactPreference, DeliveryReport, Message, Unsubscription
from yachay.engagement.tests.conftest import Learning, lima


def _sent(learning: Learning, channel: str, provider_id: str) -> Message:
    return Message.objects.create(
        rule="inactive-3d", rule_version="x", kind="nudges", occurrence=provider_id,
        application=learning.enrollment.application, channel=channel, status="sent",
        provider_id=provider_id, created_at=lima(10),
    )  # fmt: skip


def _twilio_sign(url: str, data: dict[str, str], token: str) -> str:
    text = url + "".join(f"{k}{data[k]}" for k in sorted(data))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def signed(settings: Any) -> None:
    settings.YACHAY_TWILIO_AUTH_TOKEN = "tok"
    settings.YACHAY_WHATSAPP_APP_SECRET = "app-secret"
    settings.YACHAY_SITE_URL = "http://testserver"


def test_a_twilio_status_report_with_a_good_signature_moves_the_status(
    learning: Learning, client: Client, signed: None
) -> None:
    message = _sent(learning, "sms", "SM1")
    data = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    url = "http://testserver/mensajes/webhooks/twilio/"
    bad = client.post(url, data, HTTP_X_TWILIO_SIGNATURE="AAAA")
    assert bad.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent" and not DeliveryReport.objects.exists()
    good = client.post(url, data, HTTP_X_TWILIO_SIGNATURE=_twilio_sign(url, data, "tok"))
    assert good.status_code == 204
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_whatsapp_report_needs_the_app_secret_signature(
    learning: Learning, client: Client, signed: None
) -> None:
    message = _sent(learning, "whatsapp", "wamid.1")
    body = json.dumps(
        {"entry": [{"changes": [{"value": {"statuses": [{"id": "wamid.1", "status": "read"}]}}]}]}
    ).encode()
    url = "/mensajes/webhooks/whatsapp/"
    forged = "sha256=" + hmac.new(b"other", body, hashlib.sha256).hexdigest()
    for signature in ("", forged):
        response = client.post(
            url, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
        )
        assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"
    good = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert (
        client.post(
            url, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=good
        ).status_code
        == 204
    )
    message.refresh_from_db()
    assert message.status == "read"
    junk = b"\x00not json"
    sig = "sha256=" + hmac.new(b"app-secret", junk, hashlib.sha256).hexdigest()
    assert (
        client.post(
            url, junk, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sig
        ).status_code
        == 400
    )


def test_sms_baja_stops_sms_to_that_number(
    learning: Learning, client: Client, signed: None
) -> None:
    url = "http://testserver/mensajes/webhooks/twilio/entrantes/"
    data = {"From": "+51987654321", "Body": " baja "}
    assert client.post(url, data, HTTP_X_TWILIO_SIGNATURE="x").status_code == 403
    assert not ContactPreference.objects.exists()
    response = client.post(url, data, HTTP_X_TWILIO_SIGNATURE=_twilio_sign(url, data, "tok"))
    assert response.status_code == 200
    email = learning.enrollment.application.email.lower()
    assert ContactPreference.objects.get(email=email).sms_ok is False


def test_one_click_unsubscribe_per_kind(learning: Learning, client: Client) -> None:
    person = learning.enrollment.application
    url = services._unsubscribe_url(person.pk, "nudges").removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200 and b"<form" in page.content
    assert not Unsubscription.objects.exists()  # a GET (a link scanner) changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    row = Unsubscription.objects.get()
    assert (row.email, row.kind, row.source) == (person.email.lower(), "nudges", "one_click")
    assert client.post(url).status_code == 200  # twice: still one row
    assert Unsubscription.objects.count() == 1


@pytest.mark.parametrize("mangle", ["tamper", "other", "junk", "huge", "nul"])
def test_a_forged_link_changes_nothing(learning: Learning, client: Client, mangle: str) -> None:
    person = learning.enrollment.application
    token = services._unsubscribe_url(person.pk, "nudges").rstrip("/").rsplit("/", 1)[1]
    forged = {
        "tamper": token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
        "other": token.replace(token.split(":")[0], "eyJhIjo5OTksImsiOiJudWRnZXMifQ"),
        "junk": "hola",
        "huge": "x" * 5000,
        "nul": "a%00b",
    }[mangle]
    response = client.post(f"/mensajes/baja/{forged}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code in (400, 404)
    assert not Unsubscription.objects.exists()


def test_an_email_provider_s_report_through_anymail_moves_the_status(learning: Learning) -> None:
    from anymail.signals import AnymailTrackingEvent, tracking

    message = _sent(learning, "email", "prov-1")
    event = AnymailTrackingEvent(event_type="delivered", message_id="prov-1")
    tracking.send(sender=object, event=event, esp_name="Postmark")
    message.refresh_from_db()
    assert message.status == "delivered"
    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(event_type="queued", message_id="prov-1"),
        esp_name="Postmark",
    )
    message.refresh_from_db()
    assert message.status == "delivered"


@pytest.mark.django_db
def test_anymail_s_webhook_refuses_a_request_without_its_secret(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "user:pass"}
    client = Client(raise_request_exception=False)
    response = client.post(
        "/mensajes/webhooks/email/postmark/tracking/", b"{}", content_type="application/json"
    )
    assert response.status_code in (400, 401, 403)
    assert not DeliveryReport.objects.exists()
