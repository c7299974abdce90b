from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from yachay.certificates.issuer import site_did_document


@require_safe
@cache_control(public=True, max_age=300)
def did_json(request: HttpRequest) -> JsonResponse:
    """The issuer's did:web document: every published key as a Multikey (docs/certificates.md)."""
    response = JsonResponse(site_did_document())
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in browsers read it too
    return response
