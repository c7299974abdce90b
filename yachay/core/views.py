from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from yachay.core import ubigeo


@require_GET
@cache_control(public=True, max_age=86_400)
def places(request: HttpRequest, code: str) -> JsonResponse:
    """Children of a department (its provinces) or of a province (its districts)."""
    if len(code) == 2 and code in ubigeo.places().departments:
        children = ubigeo.provinces_of(code)
    elif len(code) == 4 and code in ubigeo.places().provinces:
        children = ubigeo.districts_of(code)
    else:
        raise Http404
    return JsonResponse({"code": code, "children": children})
