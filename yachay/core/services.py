from __future__ import annotations

from typing import Any

from django.db import models

from yachay.core.actors import Actor
from yachay.core.models import AuditEvent


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
