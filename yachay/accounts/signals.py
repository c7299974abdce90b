"""Receivers: the audit row of a sign-in lockout, and the session's note of a second factor."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from yachay.accounts import services
from yachay.accounts.middleware import HAS_DEVICE
from yachay.accounts.models import User


@receiver(user_locked_out, dispatch_uid="yachay.accounts.lockout_audit")
def _audit_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **_: Any
) -> None:
    # axes also sends this for each refused try during a lockout; only the try that caused the
    # lockout was counted (it sets axes_failures_since_start), so one row per lockout.
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    services.signin_lockout_record(username=username, ip_address=ip_address)


@receiver(user_logged_in, dispatch_uid="yachay.accounts.two_factor_note")
def _note_second_factor(sender: Any, request: HttpRequest | None, user: User, **_: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if services.may_use_two_factor(user) and services.totp_device_of(user) is not None:
        request.session[HAS_DEVICE] = True
