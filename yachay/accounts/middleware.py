"""The second factor, enforced on every page: a program admin or coordinator who signed in
with a password but has not typed a code yet reaches only the pages that ask for one."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from yachay.accounts.http import second_factor_verified
from yachay.accounts.services import may_use_two_factor

# Set at sign-in (accounts.signals) for a person who has an app set up, so that pages do not
# ask the database on every request whether one exists.
HAS_DEVICE = "yachay_2fa_device"


def second_factor_due(request: HttpRequest) -> bool:
    """Signed in with a password, must give a code, has not yet."""
    user = request.user
    if not user.is_authenticated or second_factor_verified(user):
        return False
    if not may_use_two_factor(user):
        return False
    return bool(settings.YACHAY_REQUIRE_2FA or request.session.get(HAS_DEVICE))


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie, no one signed in: the public form and API keys pay nothing here.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and second_factor_due(request):
            path = request.path_info
            if path.startswith("/api/"):
                # The API sees a half signed-in session as no session; keys still work.
                request.user = AnonymousUser()
            elif not path.startswith(_open_paths()):
                to = reverse("accounts:two_factor")
                return HttpResponseRedirect(f"{to}?next={quote(request.get_full_path())}")
        return self.get_response(request)


def _open_paths() -> tuple[str, ...]:
    """What a half signed-in person may open: the second-factor pages, signing out, the
    language switch and static files."""
    return (
        reverse("accounts:two_factor"),
        reverse("accounts:logout"),
        reverse("admin:logout"),
        reverse("set_language"),
        "/" + settings.STATIC_URL.lstrip("/"),
    )
