"""Who did it: a user, an API key, the public, or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yachay.accounts.models import ApiKey, User


@dataclass(frozen=True)
class Actor:
    label: str
    user: User | None = None
    api_key: ApiKey | None = None

    @classmethod
    def of_user(cls, user: User) -> Actor:
        return cls(label=f"user:{user.pk}", user=user)

    @classmethod
    def of_api_key(cls, key: ApiKey) -> Actor:
        return cls(label=f"api-key:{key.prefix}", user=key.user, api_key=key)


PUBLIC = Actor(label="public")
SYSTEM = Actor(label="system")
