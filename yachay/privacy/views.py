"""The privacy app's pages: the ARCO requests (the person's forms, the confirmation link, a
case's page and its download; the program admins' cases) and the registry page for staff."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yachay.accounts.http import AuthedHttpRequest
from yachay.core.actors import PUBLIC, Actor
from yachay.core.caching import personal_data
from yachay.core.http import ratelimit
from yachay.privacy import selectors, services
from yachay.privacy.forms import RECTIFIABLE, IdentityForm, RequestForm
from yachay.privacy.models import Case

# The request forms' addresses, in Spanish as the site's.
KINDS = {
    "acceso": Case.Kind.ACCESS,
    "rectificacion": Case.Kind.RECTIFICATION,
    "cancelacion": Case.Kind.CANCELLATION,
    "oposicion": Case.Kind.OPPOSITION,
}
SLUGS = {kind: slug for slug, kind in KINDS.items()}
# A case's code: what secrets.token_urlsafe makes; anything else is not looked up.
CODE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _mask(email: str) -> str:
    """i•••@example.pe: enough for the person to recognise their address, not to learn it."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def rights(request: HttpRequest) -> HttpResponse:
    """The four rights and a form for each; a signed-in person also sees their requests."""
    cases = []
    if request.user.is_authenticated:
        cases = list(selectors.learner_cases(request.user))
    return render(request, "privacy/rights.html", {"slugs": SLUGS, "cases": cases})


@personal_data
@require_http_methods(["GET", "POST"])
@ratelimit("arco", "YACHAY_RATELIMIT_ARCO")
def request_new(request: HttpRequest, slug: str) -> HttpResponse:
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404(_("There is no such request."))
    signed_in = request.user.is_authenticated
    data = request.POST if request.method == "POST" else None
    form = RequestForm(data, kind=kind)
    identity = None if signed_in else IdentityForm(data)
    context: dict[str, Any] = {"form": form, "identity": identity, "kind": kind, "slug": slug}
    if kind == Case.Kind.CANCELLATION:
        context["keeps_general"] = True
    if request.method != "POST":
        return render(request, "privacy/request.html", context)
    valid = form.is_valid() & (identity is None or identity.is_valid())
    if not valid:
        return render(request, "privacy/request.html", context, status=422)
    common = {
        "kind": kind,
        "details": form.details(),
        "note": form.cleaned_data.get("note", ""),
        "language": (get_language() or "es")[:5],
        "submission_key": form.cleaned_data.get("submission_key"),
    }
    if signed_in:
        user = request.user
        case = services.case_open(
            route=Case.Route.ACCOUNT,
            email=user.email,  # type: ignore[union-attr]  # signed in
            user=user,  # type: ignore[arg-type]  # signed in
            actor=Actor.of_user(user),  # type: ignore[arg-type]  # signed in
            **common,
        )
        messages.success(request, _("We received your request %(ref)s.") % {"ref": case.reference})
        return redirect("privacy:case", code=case.code)
    assert identity is not None
    if identity.cleaned_data["how"] == "dni":
        app = selectors.application_by_dni_reference(
            dni=identity.cleaned_data["dni"], reference=identity.cleaned_data["reference"]
        )
        if app is None:
            context["not_found"] = True
            return render(request, "privacy/request.html", context, status=422)
        services.case_open(
            route=Case.Route.DNI, email=app.email, application=app, actor=PUBLIC, **common
        )
        return render(
            request,
            "privacy/sent.html",
            {"masked": _mask(app.email), "hours": settings.YACHAY_ARCO_CONFIRM_HOURS},
        )
    email = identity.cleaned_data["email"]
    # The same answer whether or not the address is on file: this page tells nobody who applied.
    if selectors.email_on_file(email):
        services.case_open(route=Case.Route.EMAIL, email=email, actor=PUBLIC, **common)
    return render(
        request, "privacy/sent.html", {"masked": "", "hours": settings.YACHAY_ARCO_CONFIRM_HOURS}
    )


@personal_data
@require_http_methods(["GET", "POST"])
@ratelimit("arco", "YACHAY_RATELIMIT_ARCO")
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: GET shows the request (mail scanners open links), POST confirms it."""
    try:
        case = services.case_from_confirmation(token[:2000])
    except services.CaseRefused as exc:
        return render(request, "privacy/refused.html", {"error": exc.message}, status=404)
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        actor = Actor.of_user(user) if user is not None else PUBLIC
        try:
            case = services.case_confirm(token=token[:2000], actor=actor)
        except services.CaseRefused as exc:
            return render(request, "privacy/refused.html", {"error": exc.message}, status=409)
        messages.success(
            request, _("Thank you: your request %(ref)s is confirmed.") % {"ref": case.reference}
        )
        return redirect("privacy:case", code=case.code)
    return render(request, "privacy/confirm.html", _case_context(case))


def _case_or_404(code: str) -> Case:
    if not CODE.match(code):
        raise Http404(_("There is no such request."))
    case = (
        Case.objects.select_related("application", "user", "handled_by").filter(code=code).first()
    )
    if case is None:
        raise Http404(_("There is no such request."))
    return case


def _case_context(case: Case) -> dict[str, Any]:
    changes = case.details.get("changes", {})
    purposes = case.details.get("purposes", [])
    from yachay.core.models import Objection

    return {
        "case": case,
        "changes": [(RECTIFIABLE.get(k, k), val) for k, val in changes.items() if k in RECTIFIABLE],
        "purposes": [Objection.Purpose(p).label for p in purposes if p in Objection.Purpose.values],
        **_cancel_plan(case),
        "clock": selectors.clock(case),
        "download": _may_download(case),
    }


def _cancel_plan(case: Case) -> dict[str, Any]:
    """For a cancellation: what it does and keeps, or why it cannot be done."""
    if case.kind != Case.Kind.CANCELLATION or not case.is_open:
        return {}
    try:
        plan = services.case_cancel_plan(case)
    except services.CaseRefused as exc:
        return {"cancel_refused": exc.message}
    return {"plan": plan}


def _may_download(case: Case) -> bool:
    if case.kind != Case.Kind.ACCESS or case.status != Case.Status.ANSWERED or not case.answered_at:
        return False
    return timezone.now() - case.answered_at <= dt.timedelta(
        days=settings.YACHAY_ARCO_DOWNLOAD_DAYS
    )


@personal_data
def case_page(request: HttpRequest, code: str) -> HttpResponse:
    """The person's page of their request: its status, its deadline and the answer."""
    case = _case_or_404(code)
    return render(request, "privacy/case.html", _case_context(case))


@personal_data
def case_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """An answered access request: everything we hold, as JSON or as a readable page."""
    case = _case_or_404(code)
    if fmt not in ("json", "html") or not _may_download(case):
        raise Http404(_("This download is not available: ask for your data again."))
    person = selectors.case_person(case)
    actor = Actor.of_user(request.user) if request.user.is_authenticated else PUBLIC
    if fmt == "json":
        data = services.person_access_export(person=person, actor=actor)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="yachay-mis-datos.json"'
        return response
    html = services.person_access_html(services.person_access_export(person=person, actor=actor))
    return HttpResponse(html, content_type="text/html; charset=utf-8")


def program_admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ARCO cases are for program admins only (docs/admins.md says why)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_program_admin", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@personal_data
@program_admin_only
def staff_cases(request: AuthedHttpRequest) -> HttpResponse:
    show = request.GET.get("ver", "open")
    if show not in ("open", "closed", "all"):
        show = "open"
    cases = list(selectors.cases_for_staff(show)[:500])
    today = timezone.localdate()
    rows = [(c, selectors.clock(c, today)) for c in cases]
    return render(
        request,
        "privacy/staff_cases.html",
        {"rows": rows, "show": show, "counts": selectors.case_counts()},
    )


@personal_data
@require_http_methods(["GET", "POST"])
@program_admin_only
def staff_case(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """A case and its actions; approving a rectification or carrying out a cancellation is
    reviewed first, then confirmed (two POSTs)."""
    case = _case_or_404(code)
    if case.status == Case.Status.RECEIVED:
        raise Http404(_("There is no such request."))
    context = _case_context(case)
    context["applications"] = list(selectors.case_applications(case).select_related("call"))
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        actor = Actor.of_user(request.user)
        try:
            if action == "take":
                services.case_take(case=case, actor=actor)
                messages.success(request, _("The request is yours now."))
            elif action in ("approve", "cancel"):
                if not case.is_open:
                    raise services.CaseRefused(_("This request is already closed."))
                context["review"] = action
                return render(request, "privacy/staff_case.html", context)
            elif action == "approve_confirmed":
                services.case_rectify(case=case, actor=actor)
                messages.success(request, _("The correction was made and the person told."))
            elif action == "cancel_confirmed":
                services.case_cancel(case=case, actor=actor)
                messages.success(
                    request, _("The cancellation was carried out and the person told.")
                )
            elif action == "reject":
                services.case_reject(
                    case=case, reason=str(request.POST.get("reason", ""))[:2000], actor=actor
                )
                messages.success(request, _("The request was rejected and the person told why."))
            else:
                raise services.CaseRefused(_("Choose one of the actions on the page."))
        except services.CaseRefused as exc:
            case.refresh_from_db()
            context = _case_context(case) | {
                "applications": context["applications"],
                "error": exc.message,
            }
            return render(request, "privacy/staff_case.html", context, status=409)
        return redirect("privacy:staff_case", code=case.code)
    return render(request, "privacy/staff_case.html", context)


STAFF_LOGIN = "accounts:staff_login"


@login_required(login_url=STAFF_LOGIN)
def registry_page(request: AuthedHttpRequest) -> HttpResponse:
    """The registry of personal data: what Yachay holds, why, for how long, and what a
    cancellation does; each call's retention. For every staff role (it holds nobody's data)."""
    if not request.user.works_with_cohorts:
        raise Http404
    return render(
        request,
        "privacy/registry.html",
        {
            "tables": selectors.registry_tables(),
            "calls": selectors.call_retentions(),
            "default_months": settings.YACHAY_RETENTION_MONTHS,
        },
    )
