"""Receivers connected in ``EngagementConfig.ready``."""

from __future__ import annotations

from typing import Any

from yachay.engagement import services

# django-anymail's event types → the words delivery_report_record knows.
ANYMAIL_STATUS = {
    "delivered": "delivered",
    "opened": "read",
    "bounced": "bounced",
    "rejected": "rejected",
    "failed": "failed",
    "sent": "sent",
}


def email_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """An email provider's status report, already authenticated by django-anymail's webhook
    (its WEBHOOK_SECRET): move the message's status on."""
    status = ANYMAIL_STATUS.get(str(getattr(event, "event_type", "")))
    message_id = str(getattr(event, "message_id", "") or "")
    if status and message_id:
        services.delivery_report_record(channel="email", provider_id=message_id, status=status)
