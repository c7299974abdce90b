"""A rectified name or email (intake's rectification) reaches the learner account made from
the application: the name staff and the learner see, and the address sign-in links go to."""

from __future__ import annotations

from typing import Any

from yachay.accounts.models import User
from yachay.cohorts.models import Enrollment
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.intake.services import application_rectify


def rectify(enrollment: Enrollment, capture: Any, **changes: object) -> None:
    with capture(execute=True):
        application_rectify(
            application=enrollment.application,
            changes=changes,
            reason="Datos corregidos a pedido del titular",
            actor=SYSTEM,
        )


def test_a_rectified_name_and_email_reach_the_learner_account(
    enrolled: list[Enrollment], django_capture_on_commit_callbacks: Any
) -> None:
    e, other = enrolled[0], enrolled[1]
    rectify(
        e,
        django_capture_on_commit_callbacks,
        given_names="Ñusta Killa",
        paternal_surname="Quispe",
        email="nusta.quispe@example.pe",
    )
    user = User.objects.get(pk=e.user_id)
    assert (user.first_name, user.last_name, user.email) == (
        "Ñusta Killa", "Quispe", "nusta.quispe@example.pe",
    )  # fmt: skip
    untouched = User.objects.get(pk=other.user_id)
    assert untouched.email == "l1@example.pe"
    event = AuditEvent.objects.get(action="user.follow_rectification")
    assert "@" not in str(event.changes["email"])  # a fingerprint, not the address
    assert event.changes["first_name"][1] == "Ñusta Killa"


def test_a_rectified_birth_date_leaves_the_account_alone(
    enrolled: list[Enrollment], django_capture_on_commit_callbacks: Any
) -> None:
    e = enrolled[0]
    rectify(e, django_capture_on_commit_callbacks, birth_date="1990-05-04")
    assert not AuditEvent.objects.filter(action="user.follow_rectification").exists()
