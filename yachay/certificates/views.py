from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from yachay.accounts.models import User
from yachay.certificates import services
from yachay.certificates.baking import baked_badge
from yachay.certificates.forms import CertificateActionForm, IssueConfirmForm
from yachay.certificates.issuer import site_did_document
from yachay.certificates.models import Certificate, StatusList, normalise_code
from yachay.certificates.pdf import render_certificate
from yachay.certificates.selectors import (
    SEARCH_LIMIT,
    certificate_by_code,
    certificate_issuers,
    certificate_pdf_data,
    certificates_of,
    certificates_search,
    certificates_visible,
    issue_overview,
    issue_review,
    issue_scope,
    learner_certificates,
    linkedin_add_url,
    may_view_certificates,
    own_certificate,
)
from yachay.certificates.services import CertificateError, signed_status_list
from yachay.core.actors import Actor
from yachay.core.caching import no_store, personal_data
from yachay.core.http import ratelimit

_SAFE = ("GET", "HEAD")
MAX_ID = 2**63 - 1
LOGIN = "/entrar/"  # learners sign in by an emailed link
STAFF_LOGIN = "accounts:staff_login"


@require_safe
@cache_control(public=True, max_age=300)
def did_json(request: HttpRequest) -> JsonResponse:
    """The issuer's did:web document: every published key as a Multikey (docs/certificates.md)."""
    response = JsonResponse(site_did_document())
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in browsers read it too
    return response


def _verdict(request: HttpRequest, typed: str | None) -> HttpResponse:
    asked = typed is not None and typed.strip() != ""
    certificate = certificate_by_code(typed or "") if asked else None
    context = {
        "asked": asked,
        "typed": (typed or "")[:40],
        "certificate": certificate,
        "issuers": certificate_issuers(certificate) if certificate else [],
    }
    status = 404 if asked and certificate is None else 200
    return TemplateResponse(request, "certificates/verify.html", context, status=status)


@require_safe
@ratelimit("verify", "YACHAY_RATELIMIT_VERIFY", methods=_SAFE)
def verify_form(request: HttpRequest) -> HttpResponse:
    """The form to type a code; with ``?codigo=`` it answers for that code."""
    return _verdict(request, request.GET.get("codigo"))


@require_safe
@ratelimit("verify", "YACHAY_RATELIMIT_VERIFY", methods=_SAFE)
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: is the certificate with this code valid, revoked (since when) or unknown."""
    return _verdict(request, code)


def _pdf_response(certificate: Certificate, language: str) -> HttpResponse:
    body = render_certificate(certificate_pdf_data(certificate, language))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificado-{certificate.code}.pdf"'
    no_store(response)  # a personal document: no browser or proxy keeps it
    return response


def _json_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(
        json.dumps(certificate.credential, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="credencial-{certificate.code}.json"'
    no_store(response)  # a personal document: no browser or proxy keeps it
    return response


def _png_response(certificate: Certificate) -> HttpResponse:
    """The badge image with the signed credential baked in (Open Badges 3.0 baking)."""
    credential = json.dumps(certificate.credential, ensure_ascii=False)
    response = HttpResponse(baked_badge(credential), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="insignia-{certificate.code}.png"'
    no_store(response)  # a personal document: no browser or proxy keeps it
    return response


def _file_response(certificate: Certificate, kind: str) -> HttpResponse:
    if kind == "json":
        return _json_response(certificate)
    if kind == "png":
        return _png_response(certificate)
    return _pdf_response(certificate, get_language() or "es")


@require_safe
@login_required(login_url=LOGIN)
def my_certificates(request: HttpRequest) -> HttpResponse:
    """The learner's certificates, each with its PDF, its credential (JSON and baked badge),
    its public page and, while valid, a link to add it to a LinkedIn profile."""
    certificates = certificates_of(int(request.user.pk or 0))
    return TemplateResponse(
        request,
        "certificates/mine.html",
        {"certificates": [(c, None if c.revoked else linkedin_add_url(c)) for c in certificates]},
    )


@require_safe
@login_required(login_url=LOGIN)
def my_certificate_file(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Only the owner downloads their certificate here; anyone else gets a 404."""
    certificate = own_certificate(request.user, code)  # type: ignore[arg-type]
    if certificate is None:
        raise Http404
    return _file_response(certificate, kind)


@require_safe
@login_required(login_url=STAFF_LOGIN)
def staff_certificate_file(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Program admins (and coordinators, for learners of their departments)."""
    certificate = (
        certificates_visible(request.user)  # type: ignore[arg-type]
        .filter(code=normalise_code(code) or "")
        .first()
    )
    if certificate is None:
        raise Http404
    return _file_response(certificate, kind)


@require_safe
@cache_control(public=True, max_age=300)
def status_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The signed Bitstring Status List credential verifiers check revocation against."""
    listed = StatusList.objects.filter(slug=slug).first()
    if listed is None:
        raise Http404
    try:
        document = signed_status_list(listed)
    except CertificateError:
        return HttpResponse(status=503)
    response = JsonResponse(document)
    response["Access-Control-Allow-Origin"] = "*"
    return response


# Staff pages: issuing for a cohort or a call, a learner's certificates ------------------


def _viewer(request: HttpRequest) -> User:
    """Program admins and coordinators; anyone else signed in is refused (403)."""
    user = request.user
    if not may_view_certificates(user):  # type: ignore[arg-type]
        raise PermissionDenied
    return user  # type: ignore[return-value]


def _admin_only(user: User) -> None:
    if not user.is_program_admin:
        raise PermissionDenied


@require_safe
@personal_data
@login_required(login_url=STAFF_LOGIN)
def staff_home(request: HttpRequest) -> HttpResponse:
    """Calls and cohorts with completed learners (how many hold a certificate), and a search
    by code, name or email."""
    user = _viewer(request)
    calls, cohorts = issue_overview(user)
    query = request.GET.get("q", "")
    query = query[:100] if isinstance(query, str) else ""
    context = {
        "calls": calls,
        "cohorts": cohorts,
        "query": query,
        "results": certificates_search(user, query) if query.strip() else None,
        "limit": SEARCH_LIMIT,
    }
    return TemplateResponse(request, "certificates/staff_home.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@personal_data
@login_required(login_url=STAFF_LOGIN)
def staff_issue(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The review page of issuing for a cohort or a call: who gets a certificate (completed,
    never certified), how many already hold one; program admins confirm, and the issue task
    is queued for each. Coordinators see the list, without the button."""
    user = _viewer(request)
    scope = issue_scope(user, kind, pk)
    if scope is None:
        raise Http404
    review = issue_review(scope.enrollments)
    form = IssueConfirmForm(request.POST or None, initial={"expected": len(review.to_issue)})
    status = 200
    if request.method == "POST":
        _admin_only(user)
        if form.is_valid() and form.cleaned_data["expected"] == len(review.to_issue):
            count = services.certificates_issue_for(
                scope=scope.obj,
                enrollment_ids=[e.pk for e in review.to_issue],
                actor=Actor.of_user(user),
            )
            messages.success(
                request,
                ngettext(
                    "%(n)d certificate is being issued. The list below updates as it is.",
                    "%(n)d certificates are being issued. The list below updates as they are.",
                    count,
                )
                % {"n": count},
            )
            return redirect("certificates:staff_issue", kind=kind, pk=pk)
        if form.is_valid():  # the list changed since the admin saw it: show it again
            form = IssueConfirmForm(initial={"expected": len(review.to_issue)})
            messages.error(request, _("The list changed since you opened it. Check it again."))
        status = 422
    context = {"scope": scope, "review": review, "form": form, "can_issue": user.is_program_admin}
    return TemplateResponse(request, "certificates/staff_issue.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@personal_data
@login_required(login_url=STAFF_LOGIN)
def staff_learner(request: HttpRequest, user_id: int) -> HttpResponse:
    """A learner's certificates for staff: each with its files and history; program admins
    re-issue one (a new certificate, the old one revoked) or revoke one, with a reason,
    after a confirmation page."""
    user = _viewer(request)
    if user_id > MAX_ID:  # more than a database id holds: no such learner
        raise Http404
    certificates = learner_certificates(user, user_id)
    if not certificates:
        raise Http404
    form = CertificateActionForm(request.POST or None)
    context: dict[str, Any] = {
        "learner": certificates[0].user,
        "certificates": certificates,
        "can_change": user.is_program_admin,
        "form": None,
        "target": None,
    }
    if request.method != "POST":
        return TemplateResponse(request, "certificates/staff_learner.html", context)
    _admin_only(user)
    code = normalise_code(request.POST.get("code", "")) or ""
    target = next((c for c in certificates if c.code == code), None)
    if target is None:
        raise Http404
    context |= {
        "form": form,
        "target": target,
        "learner_name": target.enrollment.application.full_name[:120],
    }
    if target.revoked:
        messages.error(
            request, _("The certificate %(code)s is already revoked.") % {"code": target.code}
        )
        return redirect("certificates:staff_learner", user_id=user_id)
    if not form.is_valid():
        return TemplateResponse(request, "certificates/staff_learner.html", context, status=422)
    if not form.cleaned_data["confirmed"]:  # the review step: what will happen, and confirm
        return TemplateResponse(request, "certificates/staff_confirm.html", context)
    actor = Actor.of_user(user)
    reason = form.cleaned_data["reason"]
    try:
        if form.cleaned_data["action"] == "reissue":
            new = services.certificate_reissue(certificate=target, reason=reason, actor=actor)
            messages.success(
                request,
                _("Certificate %(old)s revoked; the new certificate is %(new)s.")
                % {"old": target.code, "new": new.code},
            )
        else:
            services.certificate_revoke(certificate=target, reason=reason, actor=actor)
            messages.success(request, _("Certificate %(code)s revoked.") % {"code": target.code})
    except CertificateError as e:  # revoked meanwhile (a double submit), no key...
        messages.error(request, str(e))
    return redirect("certificates:staff_learner", user_id=user_id)
