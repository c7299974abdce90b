"""Django's password backend, with the signed-in user read by SQL compiled once per process.

``django.contrib.auth`` reads the user of every signed-in request through the backend that
signed them in; the ORM's ``get(pk=…)`` cost four times the query it sends (issue #17). All
else (passwords, permissions, ``is_active``) is Django's ``ModelBackend``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from yachay.accounts.models import User
from yachay.core.compiled import Compiled

#: The dotted path sessions store for a user signed in through this backend.
PATH = "yachay.accounts.backends.ModelBackend"

_by_pk = Compiled(lambda pk: User.objects.filter(pk=pk))


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        found = _by_pk(pk=user_id)
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
