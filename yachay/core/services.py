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
