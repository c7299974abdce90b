"""While the database is unreachable: a 503 that says "try again in a minute", never a 500.

The API answers JSON with ``Retry-After``; pages answer ``503.html``, rendered without the
request (no context processor, no session, no user: nothing that would ask the database).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("yachay.outage")

DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
RETRY_AFTER = 60  # seconds


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 for this request: JSON under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": _("The service is briefly unavailable. Try again in a minute.")},
            status=503,
        )
    else:
        html = loader.get_template("503.html").render({"retry_minutes": 1})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """A view that lost the database answers 503 instead of 500 (the API's too: ninja
    passes errors it has no handler for on to Django)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.warning("Database unavailable (%s); answered 503.", type(exception).__name__)
        return unavailable(request)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: a database outage outside a view (in a middleware) is a 503 too."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_DOWN):
        return unavailable(request)
    return defaults.server_error(request, template_name)
