from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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


def _page(template: str) -> Callable[[HttpRequest], HttpResponse]:
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        return render(
            request,
            template,
            {
                "organiser": settings.YACHAY_ORGANISER,
                "contact_email": settings.YACHAY_CONTACT_EMAIL,
                "privacy_email": settings.YACHAY_PRIVACY_EMAIL,
            },
        )

    return view


# The pages every footer links to: the privacy notice (Ley 29733), help and contact, and the
# accessibility statement. Their addresses come from settings, so each deployment names its
# own organiser and inboxes.
privacy = _page("core/privacy.html")
help_page = _page("core/help.html")
accessibility = _page("core/accessibility.html")
