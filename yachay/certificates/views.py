from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from yachay.certificates.issuer import site_did_document
from yachay.certificates.selectors import certificate_by_code, certificate_issuers
from yachay.core.http import ratelimit

_SAFE = ("GET", "HEAD")


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
