"""How the API knows who is calling: a partner's API key, or a signed-in user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from yachay.accounts.models import ApiKey, User
from yachay.accounts.services import api_key_lookup
from yachay.core.http import rate_limited
from yachay.core.memo import Memo

# Keys found, by token, for YACHAY_HOT_CACHE_SECONDS: a revocation (or a user's deactivation)
# saved in this process clears it at once, and reaches every process within that bound.
KEYS: Memo[ApiKey] = Memo("api keys")


def refuse_if_rate_limited(request: HttpRequest) -> None:
    """The API's one rate limit per client address, for keyed and public endpoints alike."""
    wait = rate_limited("api", request, settings.YACHAY_RATELIMIT_API)
    if wait:
        message = ngettext(
            "Too many requests; try again in %(s)d second.",
            "Too many requests; try again in %(s)d seconds.",
            wait,
        )
        raise HttpError(429, message % {"s": wait})


class KeyedHttpRequest(HttpRequest):
    """The request of an endpoint behind :class:`ApiKeyAuth` (a type only: django-ninja sets
    ``auth`` to what ``authenticate`` returned, the key)."""

    auth: ApiKey


class ApiKeyAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        # Rate-limit before authenticating, so guessing keys is limited too.
        refuse_if_rate_limited(request)
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return KEYS.get(token, lambda: api_key_lookup(token))


def user_auth() -> list[Any]:
    """For endpoints that act as a person: a signed-in session (with CSRF on writes) or a
    key created for a user."""
    return [SessionAuth(), ApiKeyAuth()]


def acting_user(request: HttpRequest) -> User:
    """The person behind the request; a partner key that acts for no user is a 403."""
    auth: ApiKey | User | None = getattr(request, "auth", None)  # set by django-ninja
    user = auth.user if isinstance(auth, ApiKey) else auth
    if user is None:
        raise HttpError(403, _("This API key does not act as a user."))
    return user
