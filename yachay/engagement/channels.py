"""The channels behind one small interface: ``send(outgoing) -> Result``.

- email: Django's mail (``EMAIL_BACKEND``: console by default, SMTP, or a provider through
  django-anymail), with ``List-Unsubscribe`` + ``List-Unsubscribe-Post`` (RFC 8058);
- SMS: Twilio's REST API (``YACHAY_SMS_BACKEND=twilio``), or console/file;
- WhatsApp: the Cloud API's template messages (``YACHAY_WHATSAPP_BACKEND=cloud_api``), or
  console/file.

What a provider's answer means for a retry:

- it could not be reached (refused, connect timeout) or answered 5xx/429: it has not taken
  the message, so :class:`ProviderUnavailable` (an ``OSError``: the queue retries the task
  with backoff) is raised and the message stays queued;
- it did not answer in time after taking the request (read timeout): it may have sent it,
  so the message is marked *unknown* and never sent again (no duplicate; staff see it);
- 4xx: refused for good (a wrong number, a template not approved): *failed*, with the reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("yachay.engagement")


class ProviderUnavailable(OSError):
    """The provider did not take the message (unreachable, 5xx, 429): safe to retry."""


@dataclass(frozen=True)
class Outgoing:
    """One message, ready: ``to`` is an address or an E.164 number."""

    key: str  # the idempotency key, for Message-ID and provider references
    to: str
    subject: str
    body: str
    short: str  # the SMS text; the WhatsApp template's body parameter
    language: str
    whatsapp_template: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[tuple[str, bytes, str], ...] = ()


@dataclass(frozen=True)
class Result:
    status: str  # "sent", "unknown" or "failed"
    provider_id: str = ""
    error: str = ""


class Channel(Protocol):
    def send(self, message: Outgoing) -> Result: ...


class EmailChannel:
    """Django's mail. One connection for a batch (``open``/``close``)."""

    def __init__(self) -> None:
        self.connection: BaseEmailBackend | None = None

    def open(self) -> None:
        self.connection = get_connection(fail_silently=False)
        self.connection.open()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, message: Outgoing) -> Result:
        domain = settings.YACHAY_SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":")[0]
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.to],
            headers={
                # The same Message-ID for every attempt: a mail program shows one copy.
                "Message-ID": f"<{message.key.replace(':', '.')}@{domain or 'yachay'}>",
                **message.headers,
            },
            connection=self.connection,
        )
        for name, content, mimetype in message.attachments:
            email.attach(name, content, mimetype)
        email.send(fail_silently=False)
        status = getattr(email, "anymail_status", None)  # a provider's id, through anymail
        return Result("sent", provider_id=str(getattr(status, "message_id", "") or ""))


class ConsoleChannel:
    """Writes what would be sent to the log (``make run``: nothing leaves the machine)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: Outgoing) -> Result:
        logger.info("%s (not sent, console backend): %s", self.name, message.key)
        return Result("sent", provider_id=f"console:{message.key}")


class FileChannel:
    """Appends one JSON line per message to a file (tests, demos)."""

    def __init__(self, name: str, path: str) -> None:
        self.name, self.path = name, Path(path)

    def send(self, message: Outgoing) -> Result:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(
                json.dumps({"key": message.key, "to": message.to, "text": message.short}) + "\n"
            )
        return Result("sent", provider_id=f"file:{message.key}")


def _post(url: str, **kwargs: Any) -> requests.Response | Result:
    """POST, sorting the failures as the module docstring says."""
    timeout = (settings.YACHAY_PROVIDER_CONNECT_TIMEOUT, settings.YACHAY_PROVIDER_READ_TIMEOUT)
    try:
        response = requests.post(url, timeout=timeout, **kwargs)
    except (requests.ConnectionError, requests.ConnectTimeout) as exc:
        if isinstance(exc, requests.ReadTimeout):  # ConnectionError's subclass in some paths
            return Result("unknown", error="no answer in time")
        raise ProviderUnavailable(f"provider unreachable: {type(exc).__name__}") from None
    except requests.ReadTimeout:
        return Result("unknown", error="no answer in time")
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(f"provider answered {response.status_code}")
    return response


def _error(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = data.get("message") or (data.get("error") or {}).get("message") or ""
    return f"HTTP {response.status_code}: {str(detail)[:200]}"


class TwilioSms:
    """Twilio's Programmable Messaging REST API (``POST /2010-04-01/Accounts/{sid}/Messages.json``,
    basic auth with the account SID and auth token, form-encoded)."""

    def send(self, message: Outgoing) -> Result:
        sid = settings.YACHAY_TWILIO_ACCOUNT_SID
        data = {"To": message.to, "Body": message.short}
        if settings.YACHAY_TWILIO_MESSAGING_SERVICE_SID:
            data["MessagingServiceSid"] = settings.YACHAY_TWILIO_MESSAGING_SERVICE_SID
        else:
            data["From"] = settings.YACHAY_TWILIO_FROM
        if settings.YACHAY_SITE_URL:
            data["StatusCallback"] = (
                settings.YACHAY_SITE_URL.rstrip("/") + "/mensajes/webhooks/twilio/"
            )
        answer = _post(
            f"{settings.YACHAY_TWILIO_API_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
            data=data,
            auth=(sid, settings.YACHAY_TWILIO_AUTH_TOKEN),
        )
        if isinstance(answer, Result):
            return answer
        if answer.status_code >= 400:
            return Result("failed", error=_error(answer))
        return Result("sent", provider_id=str(answer.json().get("sid", "")))


class WhatsAppCloud:
    """The WhatsApp Cloud API's template messages (``POST /{version}/{phone-number-id}/messages``,
    bearer token, JSON). Outside the 24-hour window only approved templates may be sent; ours
    take one body parameter, the message's short text."""

    def send(self, message: Outgoing) -> Result:
        url = (
            f"{settings.YACHAY_WHATSAPP_API_URL.rstrip('/')}/"
            f"{settings.YACHAY_WHATSAPP_API_VERSION}/{settings.YACHAY_WHATSAPP_PHONE_NUMBER_ID}/messages"
        )
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.lstrip("+"),
            "type": "template",
            "template": {
                "name": message.whatsapp_template,
                "language": {"code": "es" if message.language == "es" else "en"},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": message.short}]}
                ],
            },
        }
        answer = _post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {settings.YACHAY_WHATSAPP_TOKEN}"},
        )
        if isinstance(answer, Result):
            return answer
        if answer.status_code >= 400:
            return Result("failed", error=_error(answer))
        messages = answer.json().get("messages") or [{}]
        return Result("sent", provider_id=str(messages[0].get("id", "")))


def channel_for(name: str) -> Channel:
    """The configured channel for ``email``, ``sms`` or ``whatsapp``."""
    if name == "email":
        return EmailChannel()
    backend = settings.YACHAY_SMS_BACKEND if name == "sms" else settings.YACHAY_WHATSAPP_BACKEND
    if backend == "console":
        return ConsoleChannel(name)
    if backend.startswith("file:"):
        return FileChannel(name, backend.removeprefix("file:"))
    if name == "sms" and backend == "twilio":
        return TwilioSms()
    if name == "whatsapp" and backend == "cloud_api":
        return WhatsAppCloud()
    raise ValueError(f"unknown {name} backend {backend!r}")
