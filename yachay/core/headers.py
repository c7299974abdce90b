"""The headers that say what a page may load and use: Content-Security-Policy and
Permissions-Policy, built from settings (``SECURE_CSP``, ``SECURE_CSP_REPORT_ONLY``,
``PERMISSIONS_POLICY``) and sent with every response.

``SECURE_CSP`` has the shape of Django 6's own setting (directive -> list of sources; ``True``
for a directive without sources), so the upgrade swaps in
``django.middleware.csp.ContentSecurityPolicyMiddleware`` and deletes this one. A view that
sets either header itself keeps its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from yachay.core.logs import scrub_secrets

Policy = Mapping[str, Iterable[str] | str | bool]


def csp_header(policy: Policy) -> str:
    """``{"default-src": ["'self'"], "upgrade-insecure-requests": True}`` ->
    ``default-src 'self'; upgrade-insecure-requests``."""
    parts = []
    for directive, sources in policy.items():
        if sources is True:
            parts.append(directive)
        elif sources is False or sources is None:
            continue
        elif isinstance(sources, str):
            parts.append(f"{directive} {sources}".strip())
        else:
            parts.append(" ".join([directive, *sources]))
    return "; ".join(parts)


def permissions_header(policy: Mapping[str, Iterable[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` -> ``camera=(), fullscreen=(self)``; an
    origin other than ``self`` or ``*`` is quoted, as the header's syntax wants."""
    items = []
    for feature, origins in policy.items():
        listed = [o if o in ("self", "*") else f'"{o}"' for o in origins]
        items.append(f"{feature}=({' '.join(listed)})")
    return ", ".join(items)


@cache
def headers() -> tuple[tuple[str, str], ...]:
    """The headers every response gets, built once (and again when a test changes a setting)."""
    built = []
    for name, setting in (
        ("Content-Security-Policy", "SECURE_CSP"),
        ("Content-Security-Policy-Report-Only", "SECURE_CSP_REPORT_ONLY"),
    ):
        policy = getattr(settings, setting, None)
        if policy:
            built.append((name, csp_header(policy)))
    permissions = getattr(settings, "PERMISSIONS_POLICY", None)
    if permissions:
        built.append(("Permissions-Policy", permissions_header(permissions)))
    return tuple(built)


@receiver(setting_changed)
def _rebuild(*, setting: str, **kwargs: Any) -> None:
    if setting in {"SECURE_CSP", "SECURE_CSP_REPORT_ONLY", "PERMISSIONS_POLICY"}:
        headers.cache_clear()


class SecurityHeadersMiddleware:
    """Adds the policy headers to every response (pages, the API, static files, errors)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            # Django's debug pages (DEBUG only) are built on inline scripts and styles.
            return response
        for name, value in headers():
            if name not in response.headers:
                response.headers[name] = value
        return response


_LONG_SEGMENT = re.compile(r"[^/]{20,}")


def scrub_url(value: object) -> str:
    """A reported address, fit for a log line: no query or fragment, and any long path
    segment (a sign-in link's or an offer's token) cut out. Keywords stay (``inline``)."""
    text = str(value or "")[:500]
    if "/" not in text:
        return text[:40]
    parts = urlsplit(text)
    # The known secrets the way every log line shows them (core.logs), then any other
    # long segment.
    path = _LONG_SEGMENT.sub("…", scrub_secrets(parts.path))
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return origin + path


def describe_report(body: Any) -> list[dict[str, str]]:
    """The violations in a report, in either format browsers send: ``report-uri``'s
    ``{"csp-report": {...}}`` or the Reporting API's ``[{"type": "csp-violation",
    "body": {...}}]``. Anything else: no violations."""
    found: list[dict[str, Any]] = []
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        r = body["csp-report"]
        found.append({
            "directive": r.get("effective-directive") or r.get("violated-directive"),
            "blocked": r.get("blocked-uri"), "page": r.get("document-uri"),
            "source": r.get("source-file"), "line": r.get("line-number"),
        })  # fmt: skip
    elif isinstance(body, list):
        for item in body[:20]:
            if isinstance(item, dict) and item.get("type") == "csp-violation":
                body_of = item.get("body")
                r = body_of if isinstance(body_of, dict) else {}
                found.append({
                    "directive": r.get("effectiveDirective"), "blocked": r.get("blockedURL"),
                    "page": r.get("documentURL"), "source": r.get("sourceFile"),
                    "line": r.get("lineNumber"),
                })  # fmt: skip
    return [
        {
            "directive": str(v["directive"] or "?")[:60],
            "blocked": scrub_url(v["blocked"]) or "?",
            "page": scrub_url(v["page"]) or "?",
            "source": scrub_url(v["source"]),
            "line": str(v["line"])[:10] if isinstance(v["line"], int) else "",
        }
        for v in found
    ]
