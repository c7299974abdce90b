"""The typed signed-in user of a request (``yachay.accounts.http``)."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from yachay.accounts.http import signed_in_user
from yachay.accounts.models import User


def test_the_signed_in_user_is_the_user_the_middleware_put_on_the_request(
    users: dict[str, User],
) -> None:
    request = RequestFactory().get("/")
    # AuthenticationMiddleware sets a lazy object, not the User itself.
    request.user = cast(User, SimpleLazyObject(lambda: users["coordinator"]))
    user = signed_in_user(request)
    assert user.pk == users["coordinator"].pk
    assert user.departments == ["08", "21"]


def test_an_anonymous_request_is_refused_rather_than_taken_for_a_user() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        signed_in_user(request)
