"""Several new rows written by one INSERT statement on PostgreSQL, for the hottest writes.

``Model.save()`` builds and compiles a fresh INSERT for every row (field by field, through
the query compiler), and a transaction of several rows costs a round trip per statement
plus BEGIN and COMMIT. For the partner intake API that was two fifths of the request's CPU
(bench/intake_profile.py). PostgreSQL inserts rows of several tables in one statement with
data-modifying CTEs, and one statement is atomic on its own: every row is written, or none.

The rows are ordinary unsaved model instances, built as for ``save()``: each value goes
through its field's ``pre_save`` and ``get_db_prep_save``, as the ORM does, and the
statement's text depends only on the models, so it is built once per process. Names come
from the models' metadata, quoted; every value is a parameter.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

# A later row's column given as SQL instead of its own value: "{pk}" is the first row's new
# primary key, "{value}" the row's own (prepared) value of that column.
Expressions = Mapping[str, str]


def can_insert_together(connection: BaseDatabaseWrapper) -> bool:
    """Whether :func:`insert_together` works on this database (SQLite has no INSERT in a
    CTE: use ``save()`` in a transaction there)."""
    return connection.vendor == "postgresql"


@functools.cache
def _insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    # What save() inserts for a new row: no auto-increment key, no generated column.
    meta = model._meta
    return tuple(
        f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated
    )


@functools.cache
def _statement(
    alias: str,
    models: tuple[type[Model], ...],
    expressions: tuple[tuple[tuple[str, str], ...], ...],
) -> str:
    qn = connections[alias].ops.quote_name
    pk = qn(models[0]._meta.pk.column)
    parts = []
    for i, model in enumerate(models):
        exprs = dict(expressions[i])
        fields = _insert_fields(model)
        columns = ", ".join(qn(f.column) for f in fields)
        if i == 0:
            values = ", ".join(["%s"] * len(fields))
            body = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({values})"
        else:
            row = ", ".join(
                exprs[f.attname].replace("{pk}", f"r0.{pk}").replace("{value}", "%s")
                if f.attname in exprs
                else "%s"
                for f in fields
            )
            body = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {row} FROM r0"
        parts.append(f"r{i} AS ({body} RETURNING {qn(model._meta.pk.column)})")
    ids = ", ".join(f"(SELECT {qn(m._meta.pk.column)} FROM r{i})" for i, m in enumerate(models))
    return f"WITH {', '.join(parts)} SELECT {ids}"  # noqa: S608 (names quoted, values params)


def insert_together(first: Model, *later: tuple[Model, Expressions]) -> None:
    """INSERT ``first`` and each row of ``later`` in one statement: one round trip, all or
    nothing (an ``IntegrityError`` on any row writes none). Each row of ``later`` may give
    some of its columns (by attribute name) as SQL over ``{pk}``, the first row's new key,
    and ``{value}``, its own value — an audit row's object id, a task's arguments; those
    attributes of the instance are left as they were. Sets the primary key of every row.

    Model signals are sent as ``save()`` sends them (``pre_save`` before, ``post_save`` with
    ``created=True`` after), but in autocommit the rows are already committed when
    ``post_save`` runs. PostgreSQL only (:func:`can_insert_together`); inside a transaction,
    wrap the call in ``transaction.atomic()`` so that a failure rolls back to a savepoint.
    """
    rows = (first, *(row for row, _ in later))
    models = tuple(type(row) for row in rows)
    alias = router.db_for_write(models[0], instance=first)
    connection = connections[alias]
    if not can_insert_together(connection):
        raise NotImplementedError(f"insert_together needs PostgreSQL, not {connection.vendor}")
    expressions = ((), *(tuple(sorted(exprs.items())) for _, exprs in later))
    sql = _statement(alias, models, expressions)
    params: list[Any] = []
    for row, model, exprs in zip(rows, models, expressions, strict=True):
        pre_save.send(sender=model, instance=row, raw=False, using=alias, update_fields=None)
        given = dict(exprs)
        for f in _insert_fields(model):
            if f.attname in given and "{value}" not in given[f.attname]:
                continue
            params.append(f.get_db_prep_save(f.pre_save(row, True), connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchone()
    for row, model, key in zip(rows, models, keys, strict=True):
        row.pk = key
        row._state.adding = False
        row._state.db = alias
        post_save.send(
            sender=model, instance=row, created=True, update_fields=None, raw=False, using=alias
        )

