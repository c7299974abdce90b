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
import re
from collections.abc import Mapping
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

# A later row's columns given as SQL instead of their own values, by attribute name:
# "{new.<column>}" is a column of the first row as written ("{new.id}": its new key),
# "{value}" the later row's own (prepared) value of that column.
Expressions = Mapping[str, str]
_NEW_COLUMN = re.compile(r"\{new\.(\w+)\}")

# psycopg parses a statement's placeholders on every execute, unless it has at most this
# many parameters (and 4,096 bytes): then it keeps the parse (psycopg._queries). Measured
# on the intake API: 8 % of the request's CPU. A test keeps intake's statement under it.
PSYCOPG_CACHED_PARAMS = 50


def can_insert_together(connection: BaseDatabaseWrapper) -> bool:
    """Whether :func:`insert_together` works on this database (SQLite has no INSERT in a
    CTE: use ``save()`` in a transaction there)."""
    return connection.vendor == "postgresql"


@functools.cache
def _insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    # What save() inserts for a new row: no auto-increment key, no generated column.
    meta = model._meta
    if meta.parents:  # save() would write the parent's table first: not done here
        raise NotImplementedError(f"{meta.label} inherits a concrete model: use save()")
    return tuple(
        f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated
    )


@functools.cache
def _plan(
    alias: str,
    models: tuple[type[Model], ...],
    expressions: tuple[tuple[tuple[str, str], ...], ...],
) -> tuple[str, tuple[tuple[Field[Any, Any], ...], ...]]:
    """The statement, and for each row the fields whose values are its parameters.

    ``WITH r0 AS (INSERT INTO first (...) VALUES (%s, ...) RETURNING id, ...),
    r1 AS (INSERT INTO second (...) SELECT %s, ..., <expression over r0>, ... FROM r0
    RETURNING id), ... SELECT (SELECT id FROM r0), (SELECT id FROM r1), ...``
    Names come from the models' metadata, quoted; every value is a parameter.
    """
    qn = connections[alias].ops.quote_name
    keys = [qn(m._meta.pk.column) for m in models]
    used = {c for exprs in expressions for _, sql in exprs for c in _NEW_COLUMN.findall(sql)}
    first_returns = [keys[0], *(qn(c) for c in sorted(used - {models[0]._meta.pk.column}))]
    ctes, params = [], []
    for i, (model, exprs) in enumerate(zip(models, expressions, strict=True)):
        given = dict(exprs)
        fields = _insert_fields(model)
        values = ", ".join(
            _NEW_COLUMN.sub(lambda m: f"r0.{qn(m[1])}", given[f.attname]).replace("{value}", "%s")
            if f.attname in given
            else "%s"
            for f in fields
        )
        params.append(
            tuple(f for f in fields if f.attname not in given or "{value}" in given[f.attname])
        )
        insert = "INSERT INTO {} ({}) {} RETURNING {}".format(
            qn(model._meta.db_table),
            ", ".join(qn(f.column) for f in fields),
            f"SELECT {values} FROM r0" if i else f"VALUES ({values})",  # noqa: S608
            ", ".join(first_returns) if i == 0 else keys[i],
        )
        ctes.append(f"r{i} AS ({insert})")
    ids = ", ".join(f"(SELECT {key} FROM r{i})" for i, key in enumerate(keys))  # noqa: S608
    return f"WITH {', '.join(ctes)} SELECT {ids}", tuple(params)


def insert_together(first: Model, *later: tuple[Model, Expressions]) -> None:
    """INSERT ``first`` and each row of ``later`` in one statement: one round trip, all or
    nothing (an ``IntegrityError`` on any row writes none). Each row of ``later`` may give
    some of its columns (by attribute name) as SQL over ``{new.<column>}``, a column of the
    first row as written, and ``{value}``, its own value: an audit row's object id, a task's
    arguments (see ``Expressions``); those attributes of the instance are left as they were.
    Sets the primary key of every row.

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
    sql, fields_of = _plan(alias, models, expressions)
    params: list[Any] = []
    for row, model, fields in zip(rows, models, fields_of, strict=True):
        pre_save.send(sender=model, instance=row, raw=False, using=alias, update_fields=None)
        params.extend(f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields)
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
