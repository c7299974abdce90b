from __future__ import annotations

import uuid

from django.db.models import QuerySet

from yachay.accounts.models import ApiKey
from yachay.accounts.scopes import scope_by_department
from yachay.intake.models import Application
from yachay.programs.models import Call


def open_call(slug: str) -> Call | None:
    return Call.objects.select_related("program").filter(slug=slug).first()


def application_by_submission_key(call: Call, key: uuid.UUID) -> Application | None:
    return Application.objects.filter(call=call, submission_key=key).first()


def application_for_status(call: Call, *, dni: str, reference: str) -> Application | None:
    """Both must match: the reference alone is not enough to read a status."""
    return (
        Application.objects.filter(call=call, dni=dni, reference=reference.upper())
        .select_related("call", "decision__run", "decision__offer")
        .first()
    )


def applications_visible_to_key(key: ApiKey, call: Call) -> QuerySet[Application]:
    """A user's key reads with that user's scope; a partner key reads what it submitted."""
    qs = Application.objects.filter(call=call)
    if key.user is not None:
        return scope_by_department(qs, key.user, field="department")
    return qs.filter(api_key=key)
