"""Who did it: a user, an API key, the public, or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    # core imports none of our apps: the stubs' plugin reads ``_User`` as
    # settings.AUTH_USER_MODEL (accounts.User), and a key is anything shaped like one.
    from django.contrib.auth.models import _User


class Key(Protocol):
    """What an actor needs of an API key (an ``accounts.ApiKey``: core imports no app of ours)."""

    prefix: str

    @property
    def user(self) -> _User | None: ...


@dataclass(frozen=True)
class Actor:
    label: str
    user: _User | None = None
    # The accounts.ApiKey itself, which services store on their rows: typed Any, since a
    # Protocol would not satisfy the model field's type.
    api_key: Any = None

    @classmethod
    def of_user(cls, user: _User) -> Actor:
        return cls(label=f"user:{user.pk}", user=user)

    @classmethod
    def of_api_key(cls, key: Key) -> Actor:
        return cls(label=f"api-key:{key.prefix}", user=key.user, api_key=key)


PUBLIC = Actor(label="public")
SYSTEM = Actor(label="system")
