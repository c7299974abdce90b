"""core.inserts: several new rows in one statement on PostgreSQL, as save() would write them
(values, keys, model signals), all or none; refused where the database cannot do it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save

from yachay.core.inserts import can_insert_together, insert_together
from yachay.core.models import AuditEvent, SentEmail

pytestmark = pytest.mark.django_db


def test_sqlite_is_refused_in_words() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert not can_insert_together(connection)
    with pytest.raises(NotImplementedError, match="PostgreSQL"):
        insert_together(AuditEvent(actor_label="x", action="a", object_type="t", object_id="1"))


@pytest.mark.postgres
def test_rows_are_written_as_save_writes_them_with_the_first_rows_key() -> None:
    if not can_insert_together(connection):
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    seen: list[tuple[str, str, bool | None]] = []

    def before(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(("pre", sender.__name__, None))

    def after(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        seen.append(("post", sender.__name__, created))

    first = AuditEvent(actor_label="system", action="a.first", object_type="t", object_id="0")
    second = AuditEvent(
        actor_label="system", action="a.second", object_type="core.auditevent", changes={"n": 1}
    )
    email = SentEmail(key="k-1")
    pre_save.connect(before)
    post_save.connect(after)
    try:
        insert_together(
            first,
            (second, {"object_id": "CAST({new.id} AS varchar)", "created_at": "{new.created_at}"}),
            (email, {}),
        )
    finally:
        pre_save.disconnect(before)
        post_save.disconnect(after)
    assert first.pk and second.pk and email.pk and not first._state.adding
    stored = AuditEvent.objects.get(pk=second.pk)
    assert (stored.object_id, stored.changes) == (str(first.pk), {"n": 1})
    assert stored.created_at == AuditEvent.objects.get(pk=first.pk).created_at
    assert SentEmail.objects.filter(pk=email.pk, key="k-1").exists()
    assert [s for s in seen if s[1] in ("AuditEvent", "SentEmail")] == [
        ("pre", "AuditEvent", None),
        ("pre", "AuditEvent", None),
        ("pre", "SentEmail", None),
        ("post", "AuditEvent", True),
        ("post", "AuditEvent", True),
        ("post", "SentEmail", True),
    ]


@pytest.mark.postgres
def test_a_row_that_fails_writes_none_of_them() -> None:
    if not can_insert_together(connection):
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    SentEmail.objects.create(key="taken")
    with pytest.raises(IntegrityError), transaction.atomic():  # a savepoint in the test's
        insert_together(
            AuditEvent(actor_label="system", action="a.lost", object_type="t", object_id="0"),
            (SentEmail(key="taken"), {}),
        )
    assert not AuditEvent.objects.filter(action="a.lost").exists()
