"""Places: where an accepted offer becomes a seat in the program.

Selection decides who gets a place; cohorts, above it, keeps the places (enrollments).
Selection imports nothing of cohorts: the app that keeps the places registers how to read
and make one, in its ``AppConfig.ready`` (``yachay.cohorts`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from yachay.core.actors import Actor
    from yachay.intake.models import Application


class Place(Protocol):
    """What selection needs of a place: whose it is (their sign-in link is sent)."""

    @property
    def user_id(self) -> int: ...


class Placed(Protocol):
    def __call__(self, call_id: int) -> set[int]:
        """The ids of the call's applications that already hold a place."""
        ...


class Take(Protocol):
    def __call__(self, *, application: Application, actor: Actor) -> Place:
        """Give the application its place (and its person a learner account, if new);
        inside the caller's transaction, audited."""
        ...


@dataclass(frozen=True)
class Keeper:
    placed: Placed
    take: Take


_keeper: Keeper | None = None


def register(*, placed: Placed, take: Take) -> None:
    global _keeper
    _keeper = Keeper(placed=placed, take=take)


def keeper() -> Keeper:
    if _keeper is None:
        raise ImproperlyConfigured(
            "No app keeps the places of accepted offers: yachay.cohorts registers itself "
            "in its AppConfig.ready; is it in INSTALLED_APPS?"
        )
    return _keeper
