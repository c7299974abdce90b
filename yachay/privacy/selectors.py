"""Reads of the privacy app: the registry as staff and the privacy notice read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from yachay.core.personal_data import registry
from yachay.privacy.models import RetentionRule
from yachay.programs.models import Call


@dataclass(frozen=True)
class FieldRow:
    name: str
    category: str
    purpose: str
    retention: str
    on_cancel: str
    reason: str


@dataclass(frozen=True)
class TableRow:
    label: str
    name: str
    purpose: str
    fields: list[FieldRow]


def registry_tables() -> list[TableRow]:
    """Every model that holds personal data, with each personal field's category, purpose,
    retention and fate on cancellation, in words (the page and the notice read these)."""
    out = []
    for label, d in sorted(registry().items()):
        if not d.holds_personal_data:
            continue
        fields = [
            FieldRow(
                name=d.field_name(name),
                category=str(spec.category.label),
                purpose=str(spec.purpose),
                retention=str(spec.retention.label),
                on_cancel=str(spec.on_cancel.label),
                reason=str(spec.reason),
            )
            for name, spec in d.personal.items()
        ]
        out.append(
            TableRow(
                label=label,
                name=d.name(),
                purpose=str(d.purpose),
                fields=fields,
            )
        )
    return out


@dataclass(frozen=True)
class CallRetention:
    call: Call
    months: int
    own_rule: bool
    shred_on: dt.date


def call_retentions() -> list[CallRetention]:
    """Each call's retention: its months (its own rule or the default) and the day its
    applications of people without a place are anonymised. Two queries, whatever the calls."""
    from yachay.privacy.services import _add_months

    rules = dict(RetentionRule.objects.values_list("call_id", "months"))
    default = settings.YACHAY_RETENTION_MONTHS
    return [
        CallRetention(
            call=call,
            months=rules.get(call.pk, default),
            own_rule=call.pk in rules,
            shred_on=timezone.localtime(
                _add_months(call.closes_at, rules.get(call.pk, default))
            ).date(),
        )
        for call in Call.objects.select_related("program").order_by("-closes_at", "pk")
    ]
