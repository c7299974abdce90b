"""The signed-in user of a request, typed.

Django types ``request.user`` as ``User | AnonymousUser``, whatever guards the view. A view
behind ``login_required`` takes an :class:`AuthedHttpRequest`, whose ``user`` is a
:class:`User`; code whose signature Django fixes (admin methods, helpers that take any request)
asks :func:`signed_in_user`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from yachay.accounts.models import User

__all__ = ["AuthedHttpRequest", "second_factor_verified", "signed_in_user"]


class AuthedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required`` (a type only: Django builds the
    request; ``login_required`` is what makes ``user`` a signed-in :class:`User`)."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """``request.user``, signed in; 403 if not (a guard, e.g. the admin's, has let them in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def second_factor_verified(user: object) -> bool:
    """Whether this session's user typed a second-factor code: django-otp's ``OTPMiddleware``
    puts the device that verified the session on ``user.otp_device`` (None when none did)."""
    return getattr(user, "otp_device", None) is not None
