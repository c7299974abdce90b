"""Staff pages of the privacy app."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from yachay.accounts.http import AuthedHttpRequest
from yachay.privacy import selectors

STAFF_LOGIN = "accounts:staff_login"


@login_required(login_url=STAFF_LOGIN)
def registry_page(request: AuthedHttpRequest) -> HttpResponse:
    """The registry of personal data: what Yachay holds, why, for how long, and what a
    cancellation does; each call's retention. For every staff role (it holds nobody's data)."""
    if not request.user.works_with_cohorts:
        raise Http404
    return render(
        request,
        "privacy/registry.html",
        {
            "tables": selectors.registry_tables(),
            "calls": selectors.call_retentions(),
            "default_months": settings.YACHAY_RETENTION_MONTHS,
        },
    )
