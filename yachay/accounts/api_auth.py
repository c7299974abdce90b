"""How the API knows who is calling: a partner's API key, or a signed-in user."""

from __future__ import annotations

from typing import Any

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
    wait = rate_limited("api", request, "YACHAY_RATELIMIT_API")
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


class SignedInSession(SessionAuth):
    """A signed-in browser session, with Django's CSRF check on writes.

    Ninja's own ``SessionAuth`` checks CSRF before it looks for a session, on every request:
    a keyed or anonymous POST then fails there with ``403 CSRF check Failed`` and never
    reaches the key. Here a request that carries a bearer key is the key's to answer (a
    browser never adds a bearer header to a forged cross-site request by itself, so CSRF does
    not apply; HTTP Basic, which browsers do resend, is not a key), and a request with no
    signed-in session falls through to the key, which answers 401. Only a signed-in session
    is checked for its CSRF token.
    """

    def __call__(self, request: HttpRequest) -> Any:
        bearer = request.headers.get("authorization", "")[:7].lower() == "bearer "
        if bearer or not request.user.is_authenticated:
            return None
        return super().__call__(request)


def user_auth() -> list[Any]:
    """For endpoints that act as a person: a signed-in session (with CSRF on writes) or a
    key created for a user (no CSRF: the key is not sent by the browser on its own)."""
    return [SignedInSession(), ApiKeyAuth()]


def acting_user(request: HttpRequest) -> User:
    """The person behind the request; a partner key that acts for no user is a 403."""
    auth: ApiKey | User | None = getattr(request, "auth", None)  # set by django-ninja
    user = auth.user if isinstance(auth, ApiKey) else auth
    if user is None:
        raise HttpError(403, _("This API key does not act as a user."))
    return user
