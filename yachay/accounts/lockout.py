"""Wrong passwords, counted by django-axes in the database: one limit per account, a higher
one per address.

A regional office signs in from one shared address: with a single limit, one person typing
a wrong password ten times would lock every colleague out. So an account is locked after
``AXES_FAILURE_LIMIT`` failures from anywhere, and an address after
``YACHAY_SIGNIN_ADDRESS_FAILURE_LIMIT`` failures on any accounts (a password sprayed over many
accounts from one place).
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class AccountAndAddressHandler(AxesDatabaseHandler):
    """``AxesDatabaseHandler`` whose count for the address alone is scaled, so that axes' one
    ``AXES_FAILURE_LIMIT`` stands for the per-address limit there."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        threshold = get_cool_off_threshold(request)
        worst = 0
        for match in get_client_parameters(
            username,
            getattr(request, "axes_ip_address", None),  # set by axes on the request
            getattr(request, "axes_user_agent", None),
            request,
            credentials,
        ):
            failures = (
                AccessAttempt.objects.filter(**match, attempt_time__gte=threshold).aggregate(
                    n=Sum("failures_since_start")
                )["n"]
                or 0
            )
            if set(match) == {"ip_address"}:
                failures = failures * settings.AXES_FAILURE_LIMIT // address_limit()
            worst = max(worst, failures)
        return worst


def address_limit() -> int:
    return max(int(settings.YACHAY_SIGNIN_ADDRESS_FAILURE_LIMIT), 1)
