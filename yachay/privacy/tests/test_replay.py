"""Backups: a database restored from a snapshot made before a cancellation brings the person
back; ``privacy_replay`` re-applies the cancellation from the log file outside the database,
and the person is gone again."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django.core.management import call_command

from yachay.core.actors import SYSTEM
from yachay.core.personal_data import registry
from yachay.privacy.models import Cancellation
from yachay.privacy.services import person_cancel, person_from_user, privacy_replay
from yachay.privacy.tests.conftest import NEEDLES, History
from yachay.privacy.tests.test_cancel import KEPT_ON_PURPOSE, scan

pytestmark = pytest.mark.django_db(transaction=False)


def snapshot() -> str:
    """Every row of every table, as a backup holds them."""
    rows: list[Any] = []
    for declaration in registry().values():
        rows += list(declaration.model._default_manager.all())
    return serializers.serialize("json", rows)


def restore(dump: str) -> None:
    """Back to the snapshot: rows made since are dropped, the snapshot's rows written back."""
    objects = list(serializers.deserialize("json", dump))
    keep: dict[Any, set[Any]] = {}
    for obj in objects:
        keep.setdefault(type(obj.object), set()).add(obj.object.pk)
    for declaration in registry().values():
        model = declaration.model
        model._default_manager.exclude(pk__in=keep.get(model, set())).delete()
    for obj in objects:
        obj.save()


def test_a_restore_brings_the_person_back_and_the_replay_cancels_them_again(
    history: History, _privacy_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    backup = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="ARCO caso 9")
    assert _privacy_log.exists()  # written after commit
    restore(backup)
    assert not Cancellation.objects.exists()  # the backup predates it
    assert {f.split(":")[0] for f in scan(NEEDLES)} - KEPT_ON_PURPOSE  # back from the dead

    report = privacy_replay(actor=SYSTEM)
    assert (report.entries, report.reapplied) == (1, 1)
    left = {f.split(":")[0] for f in scan(NEEDLES)}
    assert left <= KEPT_ON_PURPOSE
    assert Cancellation.objects.get().replayed_at is not None


def test_a_replay_run_twice_changes_nothing_the_second_time(
    history: History, _privacy_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="")
    first = privacy_replay(actor=SYSTEM)
    second = privacy_replay(actor=SYSTEM)
    assert first.reapplied == 0 and second.reapplied == 0  # nothing came back
    assert second.entries == 1


def test_the_log_holds_ids_and_keyed_hashes_only(
    history: History, _privacy_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="ARCO caso 9")
    text = _privacy_log.read_text(encoding="utf-8").lower()
    for needle in NEEDLES.values():
        assert needle.lower() not in text


def test_a_torn_last_line_of_the_log_is_skipped(
    history: History, _privacy_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="")
    with _privacy_log.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "cut sho')
    out = StringIO()
    call_command("privacy_replay", stdout=out)
    assert "1 cancellations in the log" in out.getvalue()


def test_no_log_file_is_nothing_to_replay(db: None, tmp_path: Path) -> None:
    report = privacy_replay(actor=SYSTEM, path=tmp_path / "missing.jsonl")
    assert report.entries == 0


def test_a_lost_append_is_made_up_for_by_the_next_sync(
    history: History, _privacy_log: Path
) -> None:
    from yachay.privacy.services import cancellation_log_sync

    person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="")  # no commit
    assert not _privacy_log.exists()
    assert cancellation_log_sync() == 1
    assert cancellation_log_sync() == 0
    assert len(_privacy_log.read_text().splitlines()) == 1
