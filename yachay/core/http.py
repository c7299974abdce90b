"""Request helpers shared by views and the API."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry our trusted proxies added."""
    hops = settings.YACHAY_TRUSTED_PROXIES
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", "0.0.0.0"))  # noqa: S104


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/60' -> (20, 60): at most 20 hits per 60 s. '0' switches the limit off."""
    if rate.strip() in {"", "0"}:
        return 0, 0
    try:
        count, seconds = (int(part) for part in rate.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"A rate limit looks like '20/60', not {rate!r}.") from None
    if count < 0 or seconds <= 0:
        raise ImproperlyConfigured(f"A rate limit looks like '20/60', not {rate!r}.")
    return count, seconds


RATE_SETTING_PREFIX = "YACHAY_RATELIMIT_"


def rate_setting(setting: str) -> str:
    """The rate a ``YACHAY_RATELIMIT_*`` setting holds now. Every limit names its setting
    (read at each request, so an override applies at once): none is written in the code."""
    if not setting.startswith(RATE_SETTING_PREFIX):
        raise ImproperlyConfigured(
            f"A rate limit names a {RATE_SETTING_PREFIX}* setting, not {setting!r}."
        )
    try:
        return str(getattr(settings, setting))
    except AttributeError:
        raise ImproperlyConfigured(f"No setting {setting}: add it to settings.py.") from None


def rate_limited(scope: str, request: HttpRequest, setting: str) -> int:
    """Count one hit for this client in a fixed window of the rate ``setting`` (a
    ``YACHAY_RATELIMIT_*`` name) holds; return seconds to wait, 0 if allowed."""
    count, seconds = parse_rate(rate_setting(setting))
    if not count:
        return 0
    window = int(time.time() // seconds)
    key = f"rl:{scope}:{client_ip(request)}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        hits = 1
    if hits > count:
        return seconds - int(time.time()) % seconds or 1
    return 0


def ratelimit(scope: str, setting: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Answer 429 with a translated page once a client passes the configured rate."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                wait = rate_limited(scope, request, setting)
                if wait:
                    response = TemplateResponse(
                        request,
                        "core/429.html",
                        {"wait": wait, "message": _("Too many attempts from your connection.")},
                        status=429,
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
