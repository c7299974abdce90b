from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yachay.accounts.services import user_from_login_link
from yachay.core.http import ratelimit


@require_http_methods(["GET", "POST"])
@ratelimit("login_link", "YACHAY_RATELIMIT_STATUS")
def login_with_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET asks to confirm (mail scanners open links); POST signs in and spends the link."""
    user = user_from_login_link(uidb64, token)
    if user is None:
        return render(request, "accounts/login_link.html", {"invalid": True}, status=404)
    if request.method == "POST":
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:me")
    return render(request, "accounts/login_link.html", {"user_to_login": user})


@login_required(login_url="/")
def me(request: HttpRequest) -> HttpResponse:
    enrollments = request.user.enrollments.select_related("application__call__program")  # type: ignore[union-attr]
    return render(request, "accounts/me.html", {"enrollments": enrollments})
