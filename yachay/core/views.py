from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from yachay.core import ubigeo
from yachay.core.headers import describe_report
from yachay.core.http import rate_limited

csp_log = logging.getLogger("yachay.csp")


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


@csrf_exempt  # browsers post reports on their own, with no token
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Where browsers report what the Content-Security-Policy refused (``report-uri``): one
    warning line per violation in the log (addresses scrubbed of tokens), nothing stored."""
    if rate_limited("csp_report", request, "YACHAY_RATELIMIT_CSP_REPORT"):
        return HttpResponse(status=429)
    if int(request.META.get("CONTENT_LENGTH") or 0) > 16_384:
        return JsonResponse({"detail": _("This report is too large.")}, status=413)
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": _("A report is a JSON document.")}, status=400)
    for v in describe_report(body):
        csp_log.warning(
            "CSP refused %s from %s on %s%s",
            v["directive"], v["blocked"], v["page"],
            f" ({v['source']}:{v['line']})" if v["source"] else "",
            extra={"csp": v},
        )  # fmt: skip
    return HttpResponse(status=204)


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
