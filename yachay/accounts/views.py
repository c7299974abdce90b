from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yachay.accounts.forms import (
    LoginLinkRequestForm,
    StaffLoginForm,
    StaffPasswordResetForm,
    StaffSetPasswordForm,
)
from yachay.accounts.services import login_link_request, safe_next, user_from_login_link
from yachay.core.http import ratelimit


@require_http_methods(["GET", "POST"])
@ratelimit("login_link", "YACHAY_RATELIMIT_STATUS")
def login_with_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET asks to confirm (mail scanners open links); POST signs in and spends the link."""
    user = user_from_login_link(uidb64, token)
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if user is None:
        return render(request, "accounts/login_link.html", {"invalid": True}, status=404)
    if request.method == "POST":
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or settings.YACHAY_LEARNER_HOME)
    return render(request, "accounts/login_link.html", {"user_to_login": user, "next": next_url})


@require_http_methods(["GET", "POST"])
@ratelimit("login_request", "YACHAY_RATELIMIT_STATUS")
def request_login_link(request: HttpRequest) -> HttpResponse:
    """A new sign-in link by email. The answer is the same whether or not the address is
    known, so the page cannot be used to find out who is enrolled."""
    form = LoginLinkRequestForm(request.POST or None)
    # Where a learner was going (the QR of a session): the emailed link leads back there.
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        login_link_request(email=form.cleaned_data["email"], next_url=next_url)
        return render(request, "accounts/login_request.html", {"sent": True})
    return render(request, "accounts/login_request.html", {"form": form, "next": next_url})


# Staff: username or email and a password -------------------------------------------------
# Instructors, coordinators and program admins sign in here; learners have no password and
# use the emailed link above. After sign-in, settings.LOGIN_REDIRECT_URL is each role's home.

staff_login = ratelimit("staff_login", "YACHAY_RATELIMIT_FORM")(
    auth_views.LoginView.as_view(
        template_name="accounts/staff_login.html",
        authentication_form=StaffLoginForm,
        redirect_authenticated_user=True,
    )
)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule): a link or an image cannot sign anyone out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You signed out. See you soon."))
        return response


logout = LogoutView.as_view(next_page="/")

password_reset = ratelimit("password_reset", "YACHAY_RATELIMIT_FORM")(
    auth_views.PasswordResetView.as_view(
        form_class=StaffPasswordResetForm,
        template_name="accounts/password_reset_form.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=StaffSetPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
