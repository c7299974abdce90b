"""The reports' one write: the snapshot of public aggregates (reports write nothing back to
the data they read)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yachay.core.actors import Actor
from yachay.core.services import audit_record
from yachay.reports import public
from yachay.reports.models import PublicSnapshot

#: Snapshots kept (the newest is published; the others are there to compare by hand).
KEEP_SNAPSHOTS = 48


def public_snapshot_refresh(*, actor: Actor, now: dt.datetime | None = None) -> PublicSnapshot:
    """Count the public aggregates now (``public.compute``: suppressed), store them as the
    newest snapshot, delete the oldest beyond ``KEEP_SNAPSHOTS``; audited
    (``transparency.publish``, with the digest and the number of calls)."""
    now = now or timezone.now()
    data = public.compute(now=now)  # reads only: outside the transaction
    with transaction.atomic():
        snapshot = PublicSnapshot.objects.create(
            computed_at=now, k=data["k"], digest=public.digest(data), data=data
        )
        stale = PublicSnapshot.objects.order_by("-computed_at", "-id").values_list("pk", flat=True)[
            KEEP_SNAPSHOTS:
        ]
        PublicSnapshot.objects.filter(pk__in=list(stale)).delete()
        audit_record(
            actor=actor,
            action="transparency.publish",
            obj=snapshot,
            changes={"digest": snapshot.digest, "calls": len(data["calls"]), "k": data["k"]},
        )
    return snapshot
