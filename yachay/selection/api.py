from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from yachay.accounts.api_auth import ApiKeyAuth, KeyedHttpRequest
from yachay.core.actors import PUBLIC
from yachay.core.http import rate_limited
from yachay.intake import selectors as intake_selectors
from yachay.intake.api import _call, _refuse_unknown_query
from yachay.intake.models import Application
from yachay.intake.schemas import ApplicationOut, Detail, Errors
from yachay.programs.models import Call
from yachay.selection import allocation, services
from yachay.selection.selectors import explain, published_run, target_description


class SelectionOut(Schema):
    run_id: int
    call: str
    published_at: Any
    status: str
    seats: int
    admitted: int
    waitlisted: int
    ineligible: int
    seed: str
    mode: str
    policy: dict[str, Any]
    solver: dict[str, Any]
    objective: float | None
    total_shortfall: int
    decisions_hash: str
    inputs_hash: str
    targets: list[allocation.TargetRow]  # the run's target table, as the solver wrote it


class OfferOut(Schema):
    state: str
    reference: str
    expires_at: Any


router = Router(tags=["selection"])


def _out(app: Application) -> dict[str, Any]:
    explanation = explain(app)
    return {
        "reference": app.reference,
        "status": app.status,
        "call": app.call.slug,
        "submitted_at": app.created_at,
        "decision": explanation.outcome,
        "position": explanation.position,
        "offer_expires_at": explanation.offer_expires_at,
        "explanation": explanation.text,
        "reasons": explanation.reasons,
    }


@router.get(
    "/calls/{call_slug}/applications/{reference}",
    auth=ApiKeyAuth(),
    tags=["applications"],
    operation_id="yachay_intake_api_read",  # the id partners' generated clients know it by
    response={200: ApplicationOut, 401: Detail, 404: Detail, 422: Errors, 429: Detail},
    summary="Read an application's status",
)
def read(request: KeyedHttpRequest, call_slug: str, reference: str) -> dict[str, Any]:
    """Visible to the key that submitted it, and to staff keys within their scope."""
    _refuse_unknown_query(request, set())
    call = _call(call_slug)
    app = (
        intake_selectors.applications_visible_to_key(request.auth, call)
        .filter(reference=reference.upper()[:20])
        .select_related("call", "decision__run", "decision__offer")
        .first()
    )
    if app is None:
        raise HttpError(404, _("No application with this reference is visible to your key."))
    return _out(app)


@router.get(
    "/calls/{call_slug}/selection",
    auth=ApiKeyAuth(),
    response={200: SelectionOut, 401: Detail, 404: Detail, 429: Detail},
    summary="The call's published selection: each target against the result, and run metadata",
)
def selection_summary(request: HttpRequest, call_slug: str) -> dict[str, Any]:
    call = Call.objects.filter(slug=call_slug).first()
    run = published_run(call) if call else None
    if call is None or run is None:
        raise HttpError(404, _("This call has no published selection."))
    return {
        "run_id": run.pk, "call": call.slug, "published_at": run.published_at, "status": run.status,
        "seats": call.seats, "admitted": len(run.admitted_ids), "waitlisted": len(run.waitlist_ids),
        "ineligible": len(run.ineligible), "seed": run.seed, "mode": run.mode,
        "policy": run.policy, "solver": run.solver, "objective": run.objective,
        "total_shortfall": run.total_shortfall, "decisions_hash": run.decisions_hash,
        "inputs_hash": run.inputs_hash,
        "targets": [row | {"description": target_description(row)} for row in run.targets],
    }  # fmt: skip


def _answer(request: HttpRequest, token: str, accept: bool) -> Status:
    # One count per address with the offer page (same scope, same setting).
    wait = rate_limited("offer", request, "YACHAY_RATELIMIT_OFFER")
    if wait:
        return Status(429, {"detail": _("Too many attempts from your connection.")})
    try:
        offer = services.offer_from_token(token)
    except services.OfferRefused as exc:
        return Status(404, {"detail": exc.message})
    try:
        if accept:
            services.offer_accept(offer=offer, actor=PUBLIC)
        else:
            services.offer_decline(offer=offer, actor=PUBLIC)
    except services.OfferRefused as exc:
        return Status(409, {"detail": exc.message})
    offer.refresh_from_db()
    reference = offer.decision.application.reference
    return Status(
        200, {"state": offer.state, "reference": reference, "expires_at": offer.expires_at}
    )


@router.post(
    "/offers/{token}/accept",
    response={200: OfferOut, 404: Detail, 409: Detail, 429: Detail},
    summary="Accept an offer (the token from the offer's email is the credential)",
)
def accept(request: HttpRequest, token: str) -> Status:
    return _answer(request, token, accept=True)


@router.post(
    "/offers/{token}/decline",
    response={200: OfferOut, 404: Detail, 409: Detail, 429: Detail},
    summary="Decline an offer; the place goes to the waiting list",
)
def decline(request: HttpRequest, token: str) -> Status:
    return _answer(request, token, accept=False)
