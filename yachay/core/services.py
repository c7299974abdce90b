from __future__ import annotations

from typing import Any

from django.core.mail import EmailMessage
from django.db import models, transaction

from yachay.core.actors import Actor
from yachay.core.models import AuditEvent, Objection, SentEmail


def audit_event(
    *, actor: Actor, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEvent:
    """An unsaved audit row: for services that write many at once with ``bulk_create``."""
    return AuditEvent(
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        changes=changes or {},
    )


def audit_record(
    *, actor: Actor, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEvent:
    """Write one audit row; call it inside the service's own transaction."""
    event = audit_event(actor=actor, action=action, obj=obj, changes=changes)
    event.save(force_insert=True)
    return event


# Filters are recorded as the view parsed them; a value this long is cut (a filter is a
# department, a date, a cohort: never a long text, never personal data).
_FILTER_VALUE_CHARS = 200


def export_record(
    *,
    actor: Actor,
    what: str,
    fmt: str,
    filters: dict[str, Any],
    rows: int,
    complete: bool = True,
) -> AuditEvent:
    """Write the audit row of one export (``export.csv`` / ``export.xlsx``): who exported
    which table (``what``), with which filters, and how many rows were sent. ``complete``
    is false when the client cut the download short (``rows`` is then what it got)."""
    recorded = {
        str(key)[:60]: str(value)[:_FILTER_VALUE_CHARS] for key, value in sorted(filters.items())
    }
    with transaction.atomic():
        event = AuditEvent(
            actor=actor.user,
            actor_label=actor.label,
            action=f"export.{fmt}"[:60],
            object_type="export",
            object_id=what[:64],
            changes={"filters": recorded, "rows": rows, "complete": complete},
        )
        event.save(force_insert=True)
    return event


def email_send_once(*, key: str, message: EmailMessage) -> bool:
    """Send ``message`` unless an email under ``key`` was already sent; True if sent now.

    The record is written and the message sent in one transaction: if sending fails, the
    record goes with the rollback and a retry sends again; a second attempt running at the
    same time waits on the record's unique key and then finds it sent. The one gap is a
    process killed between the mail server's "accepted" and the commit (one round trip):
    that message may go out twice, never zero times."""
    with transaction.atomic():
        _, created = SentEmail.objects.get_or_create(key=key)
        if created:
            message.send(fail_silently=False)
    return created


def objection_record(*, email: str, purpose: str, actor: Actor, source: str = "") -> Objection:
    """Record that the person with ``email`` objects to ``purpose`` (idempotent: a second
    objection to the same purpose finds the first). Audited without the address."""
    from yachay.core.objections import normalise_email

    if purpose not in Objection.Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    address = normalise_email(email)
    with transaction.atomic():
        objection, created = Objection.objects.get_or_create(
            email=address, purpose=purpose, defaults={"source": source[:60]}
        )
        if created:
            audit_record(
                actor=actor,
                action="objection.record",
                obj=objection,
                changes={"purpose": purpose, "source": source[:60]},
            )
    return objection
