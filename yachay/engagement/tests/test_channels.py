"""The SMS and WhatsApp adapters against a local fake provider that checks each request
(auth, payload), and what a timeout or a 5xx does: retried later, never a second copy."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from yachay.engagement import channels as ch
from yachay.engagement import services
from yachay.engagement.models import Message
from yachay.engagement.tests.conftest import Learning, lima


class Fake:
    """Answers with ``answers`` in turn (status, body, delay), recording every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, Any], float]] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status, answer, delay = (
                    fake.answers.pop(0) if fake.answers else (201, {"sid": "SM1"}, 0)
                )
                time.sleep(delay)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def fake(settings: Any) -> Iterator[Fake]:
    f = Fake()
    server = ThreadingHTTPServer(("127.0.0.1", 0), f.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    settings.YACHAY_TWILIO_API_URL = url
    settings.YACHAY_TWILIO_ACCOUNT_SID = "AC123"
    settings.YACHAY_TWILIO_AUTH_TOKEN = "tok-secret"
    settings.YACHAY_TWILIO_FROM = "+15005550006"
    settings.YACHAY_WHATSAPP_API_URL = url
    settings.YACHAY_WHATSAPP_PHONE_NUMBER_ID = "1055"
    settings.YACHAY_WHATSAPP_TOKEN = "wa-token"
    settings.YACHAY_PROVIDER_READ_TIMEOUT = 1
    yield f
    server.shutdown()
    server.server_close()


OUT = ch.Outgoing(
    key="nudge:r:1:x", to="+51987654321", subject="s", body="b", short="Hola Ñusta",
    language="es", whatsapp_template="sin_actividad",
)  # fmt: skip


def test_twilio_gets_basic_auth_and_the_form_it_documents(fake: Fake) -> None:
    fake.answers = [(201, {"sid": "SMabc", "status": "queued"}, 0)]
    result = ch.TwilioSms().send(OUT)
    assert result == ch.Result("sent", provider_id="SMabc")
    request = fake.requests[0]
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert (
        request["headers"]["Authorization"]
        == "Basic " + base64.b64encode(b"AC123:tok-secret").decode()
    )
    form = urllib.parse.parse_qs(request["body"].decode())
    assert form["To"] == ["+51987654321"] and form["Body"] == ["Hola Ñusta"]
    assert form["From"] == ["+15005550006"]


def test_whatsapp_sends_an_approved_template_with_a_bearer_token(fake: Fake) -> None:
    fake.answers = [(200, {"messages": [{"id": "wamid.X"}]}, 0)]
    assert ch.WhatsAppCloud().send(OUT) == ch.Result("sent", provider_id="wamid.X")
    request = fake.requests[0]
    assert request["path"] == "/v21.0/1055/messages"
    assert request["headers"]["Authorization"] == "Bearer wa-token"
    payload = json.loads(request["body"])
    assert payload["messaging_product"] == "whatsapp" and payload["to"] == "51987654321"
    assert payload["type"] == "template"
    assert payload["template"]["name"] == "sin_actividad"
    assert payload["template"]["language"] == {"code": "es"}
    assert payload["template"]["components"][0]["parameters"][0]["text"] == "Hola Ñusta"


def test_a_5xx_is_retryable_a_4xx_is_final_and_a_read_timeout_is_unknown(fake: Fake) -> None:
    fake.answers = [(503, {}, 0)]
    with pytest.raises(ch.ProviderUnavailable):
        ch.TwilioSms().send(OUT)
    fake.answers = [(400, {"message": "Invalid 'To'"}, 0)]
    assert ch.TwilioSms().send(OUT).status == "failed"
    fake.answers = [(201, {"sid": "late"}, 1.5)]
    assert ch.TwilioSms().send(OUT).status == "unknown"


def test_an_unreachable_provider_is_retryable(settings: Any) -> None:
    settings.YACHAY_TWILIO_API_URL = "http://127.0.0.1:9"  # discard port: refused
    with pytest.raises(ch.ProviderUnavailable):
        ch.TwilioSms().send(OUT)


def _queued_sms(learning: Learning) -> Message:
    return Message.objects.create(
        rule="inactive-3d", rule_version="x", kind="nudges", occurrence="o",
        application=learning.enrollment.application, user=learning.learner, channel="sms",
        status="queued", body="Hola", created_at=lima(10),
    )  # fmt: skip


def test_a_5xx_leaves_the_message_queued_and_the_retry_sends_it_once(
    learning: Learning, fake: Fake, settings: Any
) -> None:
    settings.YACHAY_SMS_BACKEND = "twilio"
    message = _queued_sms(learning)
    fake.answers = [(500, {}, 0), (201, {"sid": "SMok"}, 0)]
    with pytest.raises(OSError):  # the queue retries an OSError with backoff (core.queue)
        services.messages_send(message_ids=[message.pk])
    message.refresh_from_db()
    assert message.status == "queued"
    services.messages_send(message_ids=[message.pk])
    services.messages_send(message_ids=[message.pk])  # a duplicate task: nothing
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "SMok")
    assert len(fake.requests) == 2


def test_a_timeout_marks_the_message_unknown_and_it_is_never_sent_again(
    learning: Learning, fake: Fake, settings: Any
) -> None:
    settings.YACHAY_SMS_BACKEND = "twilio"
    message = _queued_sms(learning)
    fake.answers = [(201, {"sid": "SMslow"}, 1.5)]
    services.messages_send(message_ids=[message.pk])
    services.messages_send(message_ids=[message.pk])
    message.refresh_from_db()
    assert message.status == "unknown"
    assert len(fake.requests) == 1
