"""Middleware that only pages need, skipped for a partner's API request.

A request under ``/api/`` that carries an ``Authorization`` header and no session cookie is a
partner system with its key (the intake API's hot path: issue #10 measured the middleware
at about a tenth of its CPU). It has no signed-in person, so it needs no second-factor
state (django-otp) and no flash messages; the middleware below pass it straight on. Every
other request — a page, or the API used from a signed-in browser (session cookie) — goes
through them as before. Subclasses, so that Django's and the admin's checks still find the
classes they look for.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.http import HttpRequest
from django_otp.middleware import OTPMiddleware as _OTPMiddleware

API_PREFIX = "/api/"


def partner_api_request(request: HttpRequest) -> bool:
    """Under /api/, with credentials of its own and no session cookie."""
    return (
        request.path_info.startswith(API_PREFIX)
        and "HTTP_AUTHORIZATION" in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


class OTPMiddleware(_OTPMiddleware):
    """django-otp's middleware (``request.user.is_verified()``), for pages and sessions."""

    def __call__(self, request: HttpRequest) -> Any:
        if partner_api_request(request):
            return self.get_response(request)
        return super().__call__(request)


class MessageMiddleware(_MessageMiddleware):
    """Django's flash messages, for pages and sessions."""

    def __call__(self, request: HttpRequest) -> Any:
        if partner_api_request(request):
            return self.get_response(request)
        return super().__call__(request)
