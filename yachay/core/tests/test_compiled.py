"""core.compiled: a queryset compiled once gives what the queryset gives, for any values."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.test.utils import CaptureQueriesContext

from yachay.accounts.models import User
from yachay.core.compiled import Compiled
from yachay.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def events() -> list[AuditEvent]:
    ana = User.objects.create_user("ana", email="ana@example.org", first_name="Ana Ñahui")
    kusi = User.objects.create_user("kusi", email="kusi@example.org", first_name="Kusi Quispe")
    made = []
    for i in range(6):
        made.append(
            AuditEvent.objects.create(
                actor=ana if i % 2 else kusi,
                actor_label="Ñandú ‘quote’ " + str(i),
                action="lesson_done" if i < 4 else "quiz_sent",
                object_type="activity",
                object_id=f"act-{i % 3}",
                changes={"n": i, "texto": "señal"},
            )
        )
    AuditEvent.objects.create(actor=None, actor_label="sistema", action="x", object_type="t")
    return made


def _plain(obj: AuditEvent) -> dict[str, Any]:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def _by_actor(actor_id: int, object_id: str) -> Any:
    return (
        AuditEvent.objects.filter(actor_id=actor_id, object_id=object_id)
        .select_related("actor")
        .annotate(
            same=Subquery(
                AuditEvent.objects.filter(actor_id=OuterRef("actor_id"))
                .order_by()
                .values("actor_id")
                .annotate(n=Count("id"))
                .values("n")
            )
        )
        .order_by("pk")
    )


def test_model_rows_with_select_related_and_annotations_are_the_querysets(events):
    compiled = Compiled(_by_actor)
    for actor_id in {e.actor_id for e in events}:
        for object_id in ("act-0", "act-1", "act-2", "nothing", "'; DROP TABLE x; --"):
            expected = list(_by_actor(actor_id, object_id))
            got = compiled(actor_id=actor_id, object_id=object_id)
            assert [_plain(o) for o in got] == [_plain(o) for o in expected]
            assert [o.actor.first_name for o in got] == [o.actor.first_name for o in expected]
            assert all(o.same == 3 for o in got)  # the annotation
            assert all(not o._state.adding and o._state.db == "default" for o in got)
    # Saved back like any instance read through the ORM.
    row = compiled(actor_id=events[0].actor_id, object_id="act-0")[0]
    row.actor_label = "Ñuñoa"
    row.save(update_fields=["actor_label"])
    assert AuditEvent.objects.get(pk=row.pk).actor_label == "Ñuñoa"


def test_values_values_list_and_flat_rows(events):
    as_dicts = Compiled(
        lambda action: (
            AuditEvent.objects.filter(action=action)
            .order_by("object_id")
            .values("object_id")
            .annotate(n=Count("id"))
        )
    )
    as_tuples = Compiled(
        lambda action: (
            AuditEvent.objects.filter(action=action)
            .order_by("pk")
            .values_list("object_id", "changes")
        )
    )
    flat = Compiled(
        lambda action: (
            AuditEvent.objects.filter(action=action)
            .order_by("pk")
            .values_list("actor_label", flat=True)
        )
    )
    for action in ("lesson_done", "quiz_sent", "none"):
        base = AuditEvent.objects.filter(action=action)
        assert as_dicts(action=action) == list(
            base.order_by("object_id").values("object_id").annotate(n=Count("id"))
        )
        got = as_tuples(action=action)
        assert got == list(base.order_by("pk").values_list("object_id", "changes"))
        assert all(isinstance(row[1], dict) for row in got)  # JSON decoded, as the ORM does
        assert flat(action=action) == list(
            base.order_by("pk").values_list("actor_label", flat=True)
        )


def test_lists_one_sql_per_length_and_sets_sorted(events):
    compiled = Compiled(
        lambda ids, actions: AuditEvent.objects.filter(pk__in=ids, action__in=actions).order_by(
            "pk"
        )
    )
    ids = [e.pk for e in events]
    for chosen in ([ids[0]], ids[1:4], set(ids[2:]), tuple(ids)):
        got = compiled(ids=chosen, actions=["lesson_done", "quiz_sent"])
        assert [o.pk for o in got] == sorted(chosen)
    assert compiled(ids=ids, actions={"quiz_sent"}) == [e for e in events if e.pk in ids[4:]]
    # An empty list rules every row out: the plain queryset answers (no rows, no query).
    assert compiled(ids=[], actions=["x"]) == []


def test_the_same_queries_as_the_queryset(events):
    compiled = Compiled(_by_actor)
    compiled(actor_id=events[0].actor_id, object_id="act-0")  # compiled here
    with CaptureQueriesContext(connection) as plain:
        list(_by_actor(events[1].actor_id, "act-1"))
    with CaptureQueriesContext(connection) as ours:
        compiled(actor_id=events[1].actor_id, object_id="act-1")
    # Logged with its values in, as the ORM logs it (on PostgreSQL a prepared statement's
    # text is composed for the log).
    assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in plain.captured_queries]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_the_statement_is_prepared_from_its_second_run(events):
    from django.conf import settings

    if settings.DATABASES["default"]["OPTIONS"].get("prepare_threshold") is None:
        pytest.skip("DB_PREPARED_STATEMENTS=0")
    compiled = Compiled(_by_actor)
    for _ in range(3):
        compiled(actor_id=events[0].actor_id, object_id="act-0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%core_auditevent%"])  # fmt: skip
        assert cursor.fetchone()[0] >= 1
    # Django's own queries are never prepared (they bind on the client).
    for _ in range(3):
        list(AuditEvent.objects.filter(action="quiz_sent"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%quiz_sent%"])  # fmt: skip
        assert cursor.fetchone()[0] == 0


def test_values_that_change_the_sql_fall_back_to_the_queryset(events):
    compiled = Compiled(
        lambda actor_id: AuditEvent.objects.filter(actor_id=actor_id).order_by("pk")
    )
    # None turns "= %s" into "IS NULL": built each time, and right.
    assert [o.actor_label for o in compiled(actor_id=None)] == ["sistema"]
    assert len(compiled(actor_id=events[0].actor_id)) == 3
    assert compiled(actor_id=True) == list(AuditEvent.objects.filter(actor_id=True).order_by("pk"))

    # A lookup that rewrites its value ("%…%"): the stand-in is not found, built each time.
    contains = Compiled(
        lambda text: AuditEvent.objects.filter(actor_label__contains=text).order_by("pk")
    )
    assert [o.actor_label for o in contains(text="1")] == ["Ñandú ‘quote’ 1"]
    assert [o.actor_label for o in contains(text="3")] == ["Ñandú ‘quote’ 3"]


def test_a_constant_equal_to_a_stand_in_does_not_become_a_value(events, monkeypatch):
    from yachay.core import compiled as module

    # The first stand-in of round 0 is 20_000: a query with that constant in it.
    compiled = Compiled(
        lambda actor_id: AuditEvent.objects.filter(Q(actor_id=actor_id) | Q(pk=20_000)).order_by(
            "pk"
        )
    )
    assert module._STANDINS[int](0, 0) == 20_000
    got = compiled(actor_id=events[0].actor_id)
    assert got == list(
        AuditEvent.objects.filter(Q(actor_id=events[0].actor_id) | Q(pk=20_000)).order_by("pk")
    )
    assert all(plan is None for plan in compiled._plans.values())  # refused, built each time


def test_prefetch_and_named_rows_are_refused(events):
    with pytest.raises(TypeError):
        Compiled(lambda pk: User.objects.filter(pk=pk).prefetch_related("groups"))(pk=1)
    with pytest.raises(TypeError):
        Compiled(lambda pk: User.objects.filter(pk=pk).values_list("pk", named=True))(pk=1)


def test_an_integer_columns_value_and_a_date_are_placed_as_the_backend_wraps_them():
    """On PostgreSQL Django hands an integer column's value over as psycopg's Int4: the plan
    must wrap the real value the same way, or the SQL falls back (slow) or mistypes."""
    import datetime as dt

    from yachay.programs.models import Program

    for seats in (100, 20_000, 20_001, 25_000):
        Program.objects.create(
            name=f"P{seats}", slug=f"p{seats}", seats_target=seats,
            starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 12, 31),
        )  # fmt: skip
    compiled = Compiled(lambda seats: Program.objects.filter(seats_target=seats))
    for seats in (100, 20_000, 20_001, 25_000, 7):
        assert [p.seats_target for p in compiled(seats=seats)] == ([seats] if seats != 7 else [])
    assert all(plan is not None for plan in compiled._plans.values())  # compiled, not rebuilt


def test_a_value_of_another_type_gets_its_own_plan(events):
    compiled = Compiled(lambda object_id: AuditEvent.objects.filter(object_id=object_id))
    assert len(compiled(object_id="act-1")) == 2
    assert compiled(object_id=7) == []  # an int for a text column: the ORM's answer, no rows
    assert len(compiled._plans) == 2
