"""The confirmation email through a real SMTP server (aiosmtpd on a free local port)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from yachay.conftest import valid_form_data
from yachay.intake.models import Application
from yachay.programs.models import Call


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    yield inbox
    controller.stop()


def test_the_reference_arrives_by_smtp_in_the_applicants_language(
    client: Client, call: Call, smtp: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/convocatorias/2027-i/postular/",
            valid_form_data(submission_key=str(uuid.uuid4()), given_names="Urpi Ñusta"),
        )
    assert r.status_code == 302
    app = Application.objects.get()
    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["To"] == "illari.quispe@example.pe"
    subject = str(make_header(decode_header(msg["Subject"])))
    body = msg.get_payload(decode=True).decode(msg.get_content_charset())
    assert app.reference in subject and app.reference in body
    assert "Urpi Ñusta" in body
    assert "Postulación recibida" in subject  # Spanish: the language the person applied in


def test_a_mail_server_that_is_down_does_not_lose_the_application(
    client: Client, call: Call, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/convocatorias/2027-i/postular/", valid_form_data(submission_key=str(uuid.uuid4()))
        )
    assert r.status_code == 302
    assert Application.objects.count() == 1
    assert client.get(r["Location"]).status_code == 200
