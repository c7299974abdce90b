"""Stand-ins for the registry's ``Person``, ``person_access_export`` and ``person_cancel``
(built beside this work in the same app); replaced by the real ones when both are merged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yachay.core.actors import Actor


@dataclass
class Person:
    emails: set[str] = field(default_factory=set)
    user: Any = None
    applications: list[Any] = field(default_factory=list)

    @classmethod
    def from_email(cls, email: str) -> Person:
        from yachay.intake.models import Application

        return cls(
            emails={email}, applications=list(Application.objects.filter(email__iexact=email))
        )

    @classmethod
    def from_user(cls, user: Any) -> Person:
        return cls(emails={user.email}, user=user)

    @classmethod
    def from_application(cls, application: Any) -> Person:
        return cls(emails={application.email}, applications=[application])


def person_access_export(*, person: Person, actor: Actor) -> dict[str, Any]:
    return {
        "applications": [
            {"reference": a.reference, "given_names": a.given_names, "email": a.email}
            for a in person.applications
        ]
    }


def person_access_html(*, person: Person, actor: Actor) -> str:
    return "<p>" + ", ".join(a.reference for a in person.applications) + "</p>"


def person_cancel(*, person: Person, actor: Actor, reason: str) -> None:
    for app in person.applications:
        type(app).objects.filter(pk=app.pk).update(given_names="—", email="")
