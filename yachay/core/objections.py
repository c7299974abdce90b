"""Objections (the right of opposition, Ley 29733): purposes a person asked us to stop.

The record lives in core, the ground floor, so that every app can ask before it writes to
someone: engagement before a reminder, surveys before an invitation, reports before counting
a person in an analysis. The privacy app writes it (``core.services.objection_record``) when
a person's opposition request is confirmed; any app reads it here:

    from yachay.core.objections import objects_to, Purpose
    if objects_to(application.email, Purpose.REMINDERS): skip

Addresses are compared normalised (trimmed, lower case, Unicode NFC).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower

from yachay.core.models import Objection

Purpose = Objection.Purpose


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFC", (email or "").strip()).lower()


def objects_to(email: str, purpose: str) -> bool:
    """True when the person with this address objected to ``purpose``."""
    address = normalise_email(email)
    if not address:
        return False
    return Objection.objects.filter(email=address, purpose=purpose).exists()


def objected(email_path: str, purpose: str) -> Exists:
    """For a queryset: whether the person whose address is at ``email_path`` (a lookup such
    as ``"invitation__application__email"``) objected to ``purpose``, in the same query."""
    return Exists(Objection.objects.filter(email=Lower(OuterRef(email_path)), purpose=purpose))


def objecting(emails: Iterable[str], purpose: str) -> set[str]:
    """The normalised addresses among ``emails`` that object to ``purpose``, in one query:
    for senders that write to many people at once."""
    addresses = {normalise_email(e) for e in emails if e}
    if not addresses:
        return set()
    return set(
        Objection.objects.filter(email__in=addresses, purpose=purpose).values_list(
            "email", flat=True
        )
    )
