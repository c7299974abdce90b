from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from yachay.accounts.api_auth import ApiKeyAuth, KeyedHttpRequest, refuse_if_rate_limited
from yachay.core.actors import Actor
from yachay.core.http import client_ip
from yachay.intake import selectors, services
from yachay.intake.forms import ApplicationApiForm, api_errors
from yachay.intake.models import Application
from yachay.intake.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationRow,
    CallOut,
    Conflict,
    Detail,
    Errors,
)
from yachay.programs.models import Call


class Pagination(LimitOffsetPagination):
    """Bounded limit and offset: a huge offset is a 422, not a database error."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10_000_000)


router = Router(auth=ApiKeyAuth(), tags=["applications"])


def _received(app: Application) -> dict[str, Any]:
    """A new application, as the API shows it: received, no decision yet (selection's
    explanation of an application without a published decision says the same)."""
    return {
        "reference": app.reference,
        "status": app.status,
        "call": app.call.slug,
        "submitted_at": app.created_at,
        "decision": "pending",
        "position": None,
        "offer_expires_at": None,
        "explanation": str(selectors.RECEIVED_TEXT),
        "reasons": [],
    }


def _refuse_unknown_query(request: HttpRequest, allowed: set[str]) -> None:
    # As with unknown body fields: a misspelt parameter should fail, not be silently ignored.
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise ValidationError([{"loc": ("query", name), "type": "unknown"} for name in unknown])


def _call(slug: str) -> Call:
    call = selectors.open_call_cached(slug)
    if call is None:
        raise HttpError(404, _("There is no call with this address."))
    return call


# A call's facts are public: they are printed on the call's page for anyone to read, and a
# partner must be able to show the consent text and its version before it has a key's data.
# The endpoints take no key (auth=None) but count against the same rate limit per address.
def _call_out(call: Call) -> dict[str, Any]:
    facts = selectors.call_facts(call)
    return {
        "slug": call.slug,
        "title": call.title,
        "program": call.program.name,
        "description": call.description,
        "url": reverse("intake:call", args=[call.slug]),
        "state": facts.state,
        "opens_at": timezone.localtime(call.opens_at),
        "closes_at": timezone.localtime(call.closes_at),
        "seats": call.seats,
        "min_age": call.min_age,
        "max_age": call.max_age,
        "ages_on": facts.age_on,
        "segments": facts.segments,
        "ruc_required_segments": facts.ruc_segments,
        "modalities": facts.modalities,
        "slots": [
            {
                "code": s.code,
                "label": s.label,
                "starts": s.starts.strftime("%H:%M"),
                "ends": s.ends.strftime("%H:%M"),
                "days": s.days,
            }
            for s in facts.slots
        ],
        "length_weeks": call.length_weeks,
        "hours_per_week": call.hours_per_week,
        "certificate": call.certificate,
        "free": True,
        "tracks": facts.tracks,
        "partners": facts.partners,
        "consent": {"version": call.consent_version, "text": call.consent_text},
    }


@router.get(
    "/calls",
    auth=None,
    response={200: list[CallOut], 422: Errors, 429: Detail},
    summary="List the calls, with what each offers and asks",
    tags=["calls"],
)
def list_calls(request: HttpRequest) -> list[dict[str, Any]]:
    """Every call, newest first: open, upcoming and closed. No key needed."""
    refuse_if_rate_limited(request)
    _refuse_unknown_query(request, set())
    return [_call_out(call) for call in selectors.calls_public()]


@router.get(
    "/calls/{call_slug}",
    auth=None,
    response={200: CallOut, 404: Detail, 422: Errors, 429: Detail},
    summary="Read a call: who may apply, dates, seats, slots, and the consent text",
    tags=["calls"],
)
def read_call(request: HttpRequest, call_slug: str) -> dict[str, Any]:
    """`consent.version` is what an application must send as `consent_version`, after the
    person has been shown `consent.text`. No key needed."""
    refuse_if_rate_limited(request)
    _refuse_unknown_query(request, set())
    call = selectors.call_public(call_slug)
    if call is None:
        raise HttpError(404, _("There is no call with this address."))
    return _call_out(call)


@router.post(
    "/calls/{call_slug}/applications",
    response={
        201: ApplicationOut,
        400: Errors,
        401: Detail,
        404: Detail,
        409: Conflict,
        422: Errors,
        429: Detail,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ApplicationIn.model_json_schema()}},
        }
    },
    summary="Submit an application",
    exclude_none=True,
)
def submit(request: KeyedHttpRequest, call_slug: str) -> Status:
    """Every invalid field is listed at once in `errors`. A DNI that already applied to the
    call answers 409; with the existing `reference` only to the key that submitted that
    application. A call that is not open answers 409."""
    _refuse_unknown_query(request, set())
    call = _call(call_slug)
    if not call.is_open():
        return Status(409, {"detail": _call_state_message(call), "state": call.state()})
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return Status(400, {"errors": {"body": [_("The body is not valid JSON.")]}})
    if not isinstance(body, dict):
        return Status(422, {"errors": {"body": [_("The body must be a JSON object.")]}})
    form = ApplicationApiForm(body, call=call)
    if not form.is_valid():
        return Status(422, {"errors": api_errors(form)})
    key = request.auth
    try:
        app = services.application_submit(
            call=call,
            data=form.cleaned_data,
            consent_ip=client_ip(request),
            actor=Actor.of_api_key(key),
            source=Application.Source.API,
        )
    except services.CallNotOpen:
        return Status(409, {"detail": _call_state_message(call), "state": call.state()})
    except services.DuplicateApplication as dup:
        # The reference unlocks the status page: only the key that submitted the first
        # application learns it again (a retry after a lost answer); any other key could
        # otherwise look up anyone's reference by their DNI.
        if dup.existing.api_key_id is not None and dup.existing.api_key_id == key.pk:
            return Status(
                409,
                {
                    "detail": _("This DNI already applied to this call."),
                    "reference": dup.existing.reference,
                },
            )
        return Status(
            409,
            {
                "detail": _(
                    "This DNI already applied to this call, through another channel; "
                    "the person has the reference code."
                )
            },
        )
    return Status(201, _received(app))


def _call_state_message(call: Call) -> str:
    if call.state() == "upcoming":
        return _("This call is not open yet.")
    return _("This call is closed.")


@router.get(
    "/calls/{call_slug}/applications",
    response={200: list[ApplicationRow], 401: Detail, 404: Detail, 422: Errors, 429: Detail},
    summary="List applications within the key's scope",
)
@paginate(Pagination)
def list_applications(request: KeyedHttpRequest, call_slug: str) -> Any:
    _refuse_unknown_query(request, {"limit", "offset"})
    call = _call(call_slug)
    qs = selectors.applications_visible_to_key(request.auth, call)
    return qs.select_related("call").order_by("id")
