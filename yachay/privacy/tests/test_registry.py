"""The registry of personal data cannot fall behind the code: every installed model, and every
field of it, is declared personal (with its category, purpose, retention and cancellation
action) or not personal; and every model with a person's data says how their rows are found."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from yachay.core.personal_data import (
    Category,
    Declaration,
    Field,
    OnCancel,
    Retention,
    concrete_field_names,
    problems,
    registry,
)
from yachay.privacy.person import NOT_PER_PERSON, PERSON_LOOKUPS, SPECIAL_FINDERS

# Field types that always hold personal data wherever they are: declaring one "not personal"
# is a mistake the test catches.
ALWAYS_PERSONAL = (models.EmailField, models.GenericIPAddressField)


def test_every_installed_model_is_declared() -> None:
    declared = registry()
    missing = sorted(m._meta.label for m in apps.get_models() if m._meta.label not in declared)
    assert not missing, (
        "Models without a declaration in the registry of personal data (add them to their "
        f"app's personal_data.py; see docs/privacy.md): {missing}"
    )


def test_every_field_of_every_declared_model_is_declared() -> None:
    found = [p for d in registry().values() for p in problems(d)]
    assert not found, "The registry of personal data is out of date:\n" + "\n".join(found)


def test_a_field_added_without_a_declaration_is_reported() -> None:
    from yachay.intake.models import Application

    names = concrete_field_names(Application)
    real = registry()["intake.Application"]
    short = Declaration(
        label=real.label,
        subject=real.subject,
        purpose=real.purpose,
        personal={k: v for k, v in real.personal.items() if k != "phone"},
        not_personal=real.not_personal,
    )
    assert "phone" in names
    assert problems(short) == ["intake.Application.phone: not declared"]


def test_a_declared_field_that_no_longer_exists_is_reported() -> None:
    real = registry()["core.SentEmail"]
    stale = Declaration(
        label=real.label, subject="", purpose="", not_personal=real.not_personal | {"address"}
    )
    assert problems(stale) == ["core.SentEmail.address: declared but not a field"]


def test_emails_and_ip_addresses_are_never_declared_not_personal() -> None:
    wrong = [
        f"{label}.{f.name}"
        for label, d in registry().items()
        for f in d.model._meta.concrete_fields
        if isinstance(f, ALWAYS_PERSONAL) and f.name not in d.personal
    ]
    assert not wrong


def test_the_user_model_declares_its_names_email_and_password() -> None:
    user = registry()["accounts.User"]
    assert {"username", "first_name", "last_name", "email", "password"} <= set(user.personal)


def test_every_model_with_a_persons_data_says_how_their_rows_are_found() -> None:
    lost = sorted(
        label
        for label, d in registry().items()
        if d.holds_personal_data
        and label not in PERSON_LOOKUPS
        and label not in SPECIAL_FINDERS
        and label not in NOT_PER_PERSON
    )
    assert not lost, (
        "Models with personal data but no way to find one person's rows (add them to "
        f"yachay/privacy/person.py: PERSON_LOOKUPS, SPECIAL_FINDERS or NOT_PER_PERSON): {lost}"
    )


def test_the_finders_name_only_declared_models() -> None:
    known = set(registry())
    assert set(PERSON_LOOKUPS) <= known
    assert set(SPECIAL_FINDERS) <= known
    assert set(NOT_PER_PERSON) <= known


def test_a_kept_field_states_its_reason_and_an_anonymised_one_its_replacement() -> None:
    with pytest.raises(ValueError):
        Field(Category.IDENTIFIER, "x", Retention.CALL, OnCancel.KEEP)
    with pytest.raises(ValueError):
        Field(Category.IDENTIFIER, "x", Retention.CALL, OnCancel.ANONYMISE)
    for label, d in registry().items():
        for name, spec in d.personal.items():
            assert spec.purpose, f"{label}.{name} has no purpose"
            if spec.on_cancel == OnCancel.KEEP:
                assert spec.reason, f"{label}.{name} is kept without a reason"


def test_a_model_declared_twice_is_refused() -> None:
    from yachay.core.personal_data import declare

    registry()
    with pytest.raises(ValueError, match="twice"):
        declare("core.SentEmail", not_personal="id key sent_at")
