from __future__ import annotations

import math
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from yachay.accounts import backends, services
from yachay.accounts.forms import (
    LoginLinkRequestForm,
    StaffLoginForm,
    StaffPasswordResetForm,
    StaffSetPasswordForm,
    TwoFactorCodeForm,
)
from yachay.accounts.http import second_factor_verified
from yachay.accounts.middleware import HAS_DEVICE
from yachay.accounts.models import User
from yachay.accounts.services import (
    login_link_request,
    safe_next,
    user_from_login_link,
)
from yachay.core.actors import Actor
from yachay.core.caching import personal_data
from yachay.core.http import client_ip, ratelimit


@personal_data
@require_http_methods(["GET", "POST"])
@ratelimit("login_link", "YACHAY_RATELIMIT_STATUS")
def login_with_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET asks to confirm (mail scanners open links); POST signs in and spends the link."""
    user = user_from_login_link(uidb64, token)
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if user is None:
        return render(request, "accounts/login_link.html", {"invalid": True}, status=404)
    if request.method == "POST":
        login(request, user, backend=backends.PATH)
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


# Too many wrong passwords (django-axes calls this) --------------------------------------------


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page of a sign-in refused after too many wrong passwords: how long to wait, and what
    to do meanwhile. The same for the staff sign-in and the admin's."""
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    cooloff = settings.AXES_COOLOFF_TIME
    username = get_client_username(request, credentials) or ""
    since = timezone.now() - cooloff
    latest = (
        AccessAttempt.objects.filter(
            Q(username=username) | Q(ip_address=client_ip(request)), attempt_time__gte=since
        )
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    wait = cooloff.total_seconds()
    if latest is not None:
        wait = (latest + cooloff - timezone.now()).total_seconds()
    wait_seconds = max(int(wait) + 1, 1)
    minutes = max(math.ceil(wait_seconds / 60), 1)
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(wait_seconds)
    return response


# Second factor ---------------------------------------------------------------------------------
# After the password, program admins and coordinators who must (YACHAY_REQUIRE_2FA) or chose to
# use a second factor land here (accounts.middleware): to set up an authenticator app, or to
# type its code (or a recovery code). Once verified, the page shows the state and lets them
# make new recovery codes.

NEW_CODES = "yachay_2fa_new_codes"


def _next(request: HttpRequest) -> str:
    return safe_next(request.POST.get("next") or request.GET.get("next"))


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit("two_factor", "YACHAY_RATELIMIT_2FA")
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:staff_login")
    assert isinstance(user, User)
    if not services.may_use_two_factor(user):
        return redirect("cohorts:home")
    next_url = _next(request)
    device = services.totp_device_of(user)
    if device is None:
        return _two_factor_enrol(request, user, next_url)
    if not second_factor_verified(user):
        return _two_factor_verify(request, user, next_url)
    return render(
        request,
        "accounts/two_factor_status.html",
        {"codes_left": services.recovery_codes_left(user), "next": next_url},
    )


def _two_factor_enrol(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    form = TwoFactorCodeForm(request.POST or None, recovery=False)
    if request.method == "POST" and form.is_valid():
        # A try too soon after a wrong code is refused even when right (django-otp): say wait.
        wait = services.two_factor_wait(user)
        done = None
        if not wait:
            done = services.totp_device_confirm(
                user=user, code=form.cleaned_data["code"], actor=Actor.of_user(user)
            )
        if done is not None:
            device, codes = done
            otp_login(request, device)
            request.session[HAS_DEVICE] = True
            request.session[NEW_CODES] = codes
            return redirect(_with_next(reverse("accounts:two_factor_codes"), next_url))
        form.add_error(
            "code",
            ngettext(
                "Too many wrong codes. Wait %(n)d second and try again.",
                "Too many wrong codes. Wait %(n)d seconds and try again.",
                wait,
            )
            % {"n": wait}
            if wait
            else _(
                "That code does not match. Check that the phone's time is right and type the "
                "six digits the app shows now."
            ),
        )
    device = services.totp_device_start(user=user)
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(
        dark="#1c1c1c", light="#fff", scale=4, omitsize=False, title=_("QR code for your app")
    )
    context = {
        "form": form,
        "next": next_url,
        # The SVG comes from segno, not from anyone's input; role=img names it by its title.
        "qr_svg": svg.replace("<svg ", '<svg role="img" ', 1),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": services.must_use_two_factor(user),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


def _two_factor_verify(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.two_factor_check(
            user=user, code=form.cleaned_data["code"], actor=Actor.of_user(user)
        )
        if check.device is not None:
            otp_login(request, check.device)
            if check.recovery_code:
                left = services.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(n)d is left. Make new ones on the "
                        "two-step verification page.",
                        "You used a recovery code; %(n)d are left. Make new ones on the "
                        "two-step verification page.",
                        left,
                    )
                    % {"n": left},
                )
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        if check.wait_seconds:
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes. Wait %(n)d second and try again.",
                    "Too many wrong codes. Wait %(n)d seconds and try again.",
                    check.wait_seconds,
                )
                % {"n": check.wait_seconds},
            )
        else:
            form.add_error(
                "code",
                _(
                    "That code does not work. Type the six digits the app shows now, or one "
                    "of your recovery codes that you have not used yet."
                ),
            )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_codes(request: HttpRequest) -> HttpResponse:
    """GET: the recovery codes just made, once. POST: make new ones (the old ones stop)."""
    user = request.user
    if not user.is_authenticated or not second_factor_verified(user):
        return redirect("accounts:two_factor")
    assert isinstance(user, User)
    next_url = _next(request)
    if request.method == "POST":
        codes = services.recovery_codes_renew(user=user, actor=Actor.of_user(user))
        request.session[NEW_CODES] = codes
        return redirect(_with_next(reverse("accounts:two_factor_codes"), next_url))
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        return redirect(_with_next(reverse("accounts:two_factor"), next_url))
    return render(
        request,
        "accounts/two_factor_codes.html",
        {"codes": codes, "next": next_url or resolve_url(settings.LOGIN_REDIRECT_URL)},
    )
