from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yachay.accounts.http import AuthedHttpRequest
from yachay.core.actors import PUBLIC, Actor
from yachay.core.caching import personal_data
from yachay.core.http import ratelimit
from yachay.core.numbers import grouped
from yachay.intake import selectors as intake_selectors
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection import selectors, services
from yachay.selection.forms import PublishForm
from yachay.selection.models import SelectionPolicy, SelectionRun
from yachay.selection.selectors import explain


@personal_data
@require_http_methods(["GET", "POST"])
@ratelimit("offer", "YACHAY_RATELIMIT_OFFER")
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """The offer: GET shows it (mail scanners open links), only a POST answers it.

    Declining is asked twice: the first POST (``answer=decline``) shows a confirmation,
    the second (``answer=decline_confirmed``) gives the place away. Works without JavaScript.
    """
    try:
        the_offer = services.offer_from_token(token)
    except services.OfferRefused as exc:
        return render(request, "selection/offer.html", {"error": exc.message}, status=404)
    context: dict[str, object] = {"offer": the_offer, "app": the_offer.decision.application}
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        actor = Actor.of_user(user) if user is not None else PUBLIC
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                services.offer_accept(offer=the_offer, actor=actor, user=user)
                context["done"] = "accepted"
            elif answer == "decline":
                services.offer_check_answerable(the_offer, user=user)
                context["confirm_decline"] = True
            elif answer == "decline_confirmed":
                services.offer_decline(offer=the_offer, actor=actor, user=user)
                context["done"] = "declined"
        except services.OfferRefused as exc:
            context["error"] = exc.message
            return render(request, "selection/offer.html", context, status=409)
        the_offer.refresh_from_db()
    elif request.GET.get("respuesta") == "rechazar":
        context["confirm_decline"] = True
    context["expired"] = the_offer.expires_at <= timezone.now()
    return render(request, "selection/offer.html", context)


@personal_data
@require_http_methods(["GET", "POST"])
@ratelimit("status", "YACHAY_RATELIMIT_STATUS")
def status(request: HttpRequest, slug: str) -> HttpResponse:
    """Status by DNI + reference, by POST so that a DNI never lands in a URL or a log."""
    call = intake_selectors.open_call(slug)
    if call is None:
        raise Http404(_("There is no call with this address."))
    context: dict[str, object] = {"call": call, "dni": "", "reference": ""}
    if request.method == "POST":
        dni = str(request.POST.get("dni", ""))[:20].strip()
        reference = str(request.POST.get("reference", ""))[:20].strip().upper()
        context |= {"dni": dni, "reference": reference, "searched": True}
        if dni and reference:
            app = selectors.application_for_status(call, dni=dni, reference=reference)
            context["app"] = app
            context["explanation"] = explain(app) if app else None
        else:
            context["missing"] = True
    return render(request, "selection/status.html", context)


def program_admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in program admins only: others are sent to sign in, or refused (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_program_admin", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
@program_admin_only
def call_selection(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """The call's selection: its policy in words, the dry-run button, and its runs."""
    call = get_object_or_404(Call.objects.select_related("program"), slug=slug)
    error = ""
    if request.method == "POST":
        try:
            run = services.selection_dry_run(call=call, actor=Actor.of_user(request.user))
        except services.SelectionRefused as exc:
            error = exc.message
        else:
            if run.state == SelectionRun.State.FAILED:
                messages.error(request, _("The dry run could not be solved; see why below."))
            else:
                messages.success(request, _("Dry run ready. Review it before publishing."))
            return redirect("selection:run", run_id=run.pk)
    policy = SelectionPolicy.objects.filter(call=call).first()
    applications = Application.objects.filter(call=call).count()
    context = {
        "call": call,
        "state": call.state(),
        "applications": applications,
        "applications_text": grouped(applications),
        "seats_text": grouped(call.seats),
        "policy": policy,
        "policy_rows": selectors.policy_text(
            {"kind": policy.kind, "weights": policy.weights, "offer_days": policy.offer_days},
            policy.mode,
        )
        if policy
        else [],
        "runs": [(run, selectors.run_status_text(run)) for run in selectors.calls_runs(call)],
        "published": selectors.published_run(call),
        "error": error,
    }
    return render(request, "selection/call.html", context, status=409 if error else 200)


@require_http_methods(["GET", "POST"])
@program_admin_only
def run_review(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """A run's page: what publishing it would do, in words; publishing after typed confirmation."""
    run = get_object_or_404(
        SelectionRun.objects.select_related("call__program", "created_by"), pk=run_id
    )
    form = PublishForm(request.POST or None, call=run.call)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.selection_publish(run=run, actor=Actor.of_user(request.user))
        except services.SelectionRefused as exc:
            run.refresh_from_db()
            if run.state != SelectionRun.State.PUBLISHED:
                error = exc.message
            else:  # the same form sent twice: it is published once
                messages.info(request, _("This selection is already published."))
                return redirect("selection:run", run_id=run.pk)
        else:
            messages.success(
                request,
                _("Selection published. The offers are being emailed to the admitted applicants."),
            )
            return redirect("selection:run", run_id=run.pk)
    context = {
        "review": selectors.run_review(run),
        "call": run.call,
        "form": form,
        "error": error,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "selection/run.html", context, status=status)
