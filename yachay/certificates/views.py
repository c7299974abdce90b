from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from yachay.certificates.issuer import site_did_document
from yachay.certificates.models import Certificate, StatusList, normalise_code
from yachay.certificates.pdfstore import pdf_read
from yachay.certificates.selectors import (
    certificate_verdict,
    certificates_of,
    certificates_visible,
    own_certificate,
)
from yachay.certificates.services import (
    CertificateError,
    status_list_etag,
    status_list_served,
)
from yachay.core.caching import no_store
from yachay.core.http import ratelimit

_SAFE = ("GET", "HEAD")
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
    certificate, issuers = certificate_verdict(typed or "") if asked else (None, [])
    context = {
        "asked": asked,
        # Echoed in the form as typed, but never control characters (NUL, escapes).
        "typed": "".join(c for c in (typed or "")[:40] if c.isprintable()),
        "certificate": certificate,
        "issuers": issuers,
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
    body = pdf_read(certificate, language)  # kept when issued; rendered if missing
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


@require_safe
@login_required(login_url=LOGIN)
def my_certificates(request: HttpRequest) -> HttpResponse:
    """The learner's certificates, each with its PDF, its credential and its public page."""
    return TemplateResponse(
        request,
        "certificates/mine.html",
        {"certificates": certificates_of(int(request.user.pk or 0))},
    )


@require_safe
@login_required(login_url=LOGIN)
def my_certificate_file(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Only the owner downloads their certificate here; anyone else gets a 404."""
    certificate = own_certificate(request.user, code)  # type: ignore[arg-type]
    if certificate is None:
        raise Http404
    if kind == "json":
        return _json_response(certificate)
    return _pdf_response(certificate, get_language() or "es")


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
    if kind == "json":
        return _json_response(certificate)
    return _pdf_response(certificate, get_language() or "es")


@require_safe
@cache_control(public=True, max_age=300)
def status_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The signed Bitstring Status List credential verifiers check revocation against: signed
    once per revision (services.status_list_served), with an ETag (a 304 when unchanged)."""
    listed = StatusList.objects.filter(slug=slug).first()
    if listed is None:
        raise Http404
    try:
        etag = status_list_etag(listed)
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
        else:
            response = JsonResponse(status_list_served(listed))
    except CertificateError:
        return HttpResponse(status=503)
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    return response
