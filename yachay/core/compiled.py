"""Querysets compiled to SQL once per process and run again with other values.

Issue #17: on the learner pages, building a queryset and compiling it to SQL cost more CPU
than running it: the enrollment a learner page reads (``select_related`` and three subqueries
about the learner's quiz) took 2.6 ms of Python to build and compile against 0.25 ms to run and
read (bench/learning_profile.py). The SQL of such a query is the same for every learner; only
its values change. ::

    _by_user = Compiled(lambda user_id: Enrollment.objects.filter(user_id=user_id, ...))
    enrollments = _by_user(user_id=user.pk)  # a list of Enrollment, as list(queryset) gives

The first call builds and compiles the queryset twice, each time with other stand-ins for the
values, and notes where the stand-ins sit among the SQL's parameters (a constant of the query
that happened to equal a stand-in would differ between the two, and the query is then built
each time instead); every later call puts the real values there, runs the SQL and makes the
rows what Django's own iterators make of them: model instances (``select_related`` objects
and annotations included), or the dicts of ``values()``, the tuples of ``values_list()``, the
single values of ``values_list(flat=True)``. What comes back is ``list(build(**values))``,
with the same queries.

Only what keeps the SQL's shape may vary: values of type ``int`` or ``str`` that the lookup
passes to the database as they are (``=``, a subquery's ``OuterRef``), and lists, tuples or
sets of them (``__in``; one compiled SQL per length). A value of another type (``None`` above
all, which turns ``=`` into ``IS NULL``) runs the plain queryset, as does a query whose
stand-ins the backend changed (a ``contains`` wraps them in ``%``) or an empty list: slower,
never wrong. Querysets with ``prefetch_related`` or ``values_list(named=True)`` are refused
when first compiled.

On PostgreSQL, when ``prepare_threshold`` is set in the database's OPTIONS (the settings set
it, ``DB_PREPARED_STATEMENTS``), these queries are sent with server-side parameters and become
prepared statements of the connection from their second run: PostgreSQL then skips planning
them, which was most of its work (the learner's enrollment: 0.86 ms of PostgreSQL's CPU
planned each time, 0.10 ms prepared). Django's own queries are not affected: its cursors bind
on the client and psycopg never prepares those. The values a compiled query takes are
numbers and texts compared with columns, so PostgreSQL always knows their types.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
    TIMESTAMPTZ_OID,
    CursorDebugWrapper,
    ServerBindingCursor,
)
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from psycopg.pq import Format

R = TypeVar("R")

# Stand-ins, two sets: numbers every integer column admits (Django turns a value out of the
# column's range into "no rows" before it reaches the SQL), texts with a NUL, which no stored
# text has. The SQL is compiled with each set, never run with them.
_STANDINS: dict[type, Callable[[int, int], Any]] = {
    int: lambda n, round_: 20_000 + 5_000 * round_ + n,
    str: lambda n, round_: f"\x00yachay-compiled-{round_}-{n}\x00",
}
_SEQUENCES = (list, tuple, set, frozenset)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    # (position among the params, flat name, the type the backend wrapped the value in or None)
    slots: tuple[tuple[int, Hashable, type | None], ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    rows: str  # "model", "dict", "tuple" or "flat"
    width: int | None  # the columns asked for, when the SQL selects more (to order by them)
    names: tuple[str, ...] = ()  # of a dict's keys
    model: type[Model] | None = None
    init_list: tuple[str, ...] = ()
    fields: tuple[int, int] = (0, 0)  # where the model's own columns are in a row
    related: tuple[Any, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()


def _flat(values: dict[str, Any]) -> dict[Hashable, Any] | None:
    """Each scalar by its name, each member of a sequence by (name, index); None if a value
    is of a type that may change the SQL's shape."""
    out: dict[Hashable, Any] = {}
    for name, value in values.items():
        if type(value) in _STANDINS:
            out[name] = value
        elif isinstance(value, _SEQUENCES) and value:
            members = sorted(value) if isinstance(value, set | frozenset) else list(value)
            if any(type(m) not in _STANDINS for m in members):
                return None
            out.update(((name, i), m) for i, m in enumerate(members))
        else:
            return None
    return out


class Compiled(Generic[R]):
    """``build(**values)`` compiled once per database and shape of values (see the module's
    text); calling it gives ``list(build(**values))``."""

    def __init__(self, build: Callable[..., QuerySet[Any, R]], *, using: str = "default") -> None:
        self.build = build
        self.using = using
        self._plans: dict[Hashable, _Plan | None] = {}
        self._lock = threading.Lock()

    def __call__(self, **values: Any) -> list[R]:
        flat = _flat(values)
        if flat is None:
            return list(self.build(**values))
        connection = connections[self.using]
        shape = tuple(sorted((str(name), type(v).__name__) for name, v in flat.items()))
        key = (connection.alias, connection.vendor, shape)
        try:
            plan = self._plans[key]
        except KeyError:
            plan = self._compile(values, flat)
            with self._lock:
                self._plans[key] = plan
        if plan is None:
            return list(self.build(**values))
        return self._run(plan, flat)

    def _compile(self, values: dict[str, Any], flat: dict[Hashable, Any]) -> _Plan | None:
        try:
            found = [self._placed(values, flat, round_) for round_ in (0, 1)]
        except EmptyResultSet:  # a stand-in ruled every row out: build each time
            return None
        (queryset, compiler, sql, params, slots), (_q, _c, sql_b, params_b, slots_b) = found
        placed = {i: name for i, name, _wrap in slots}
        if (
            sql != sql_b
            or slots != slots_b
            or set(placed.values()) != set(flat)
            or any(
                a != b
                for i, (a, b) in enumerate(zip(params, params_b, strict=True))
                if i not in placed
            )
        ):
            return None  # a value did not reach the SQL as it was given: build each time
        select = compiler.select
        converters = compiler.get_converters([s[0] for s in select[0 : compiler.col_count]])
        common: dict[str, Any] = {
            "sql": sql,
            "params": tuple(params),
            "slots": slots,
            "width": compiler.col_count if compiler.has_extra_select else None,
            "converters": tuple((pos, tuple(fns), e) for pos, (fns, e) in converters.items()),
        }
        iterable = queryset._iterable_class
        if iterable is ModelIterable:
            info = compiler.klass_info
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            return _Plan(
                **common,
                rows="model",
                model=info["model"],
                init_list=tuple(f[0].target.attname for f in select[start:end]),
                fields=(start, end),
                related=tuple(get_related_populators(info, select, self.using)),
                annotations=tuple((compiler.annotation_col_map or {}).items()),
            )
        if iterable is ValuesIterable:
            query = queryset.query
            names = query.selected or [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
            return _Plan(**common, rows="dict", names=tuple(names))
        if iterable is ValuesListIterable:
            return _Plan(**common, rows="tuple")
        return _Plan(**common, rows="flat")

    def _placed(
        self, values: dict[str, Any], flat: dict[Hashable, Any], round_: int
    ) -> tuple[QuerySet[Any, R], Any, str, list[Any], tuple[tuple[int, Hashable, Any], ...]]:
        """The queryset built with stand-ins, its compiler, SQL and parameters, and where
        each stand-in sits: ((position, flat name, wrapper), ...). PostgreSQL's backend hands
        an integer column's value over as psycopg's ``Int4`` (a subclass of ``int``): the
        wrapper, applied to the real value again."""
        standin = {
            name: _STANDINS[type(value)](n, round_)
            for n, (name, value) in enumerate(sorted(flat.items(), key=lambda kv: str(kv[0])))
        }
        built = {
            name: (
                standin[name]
                if name in standin
                else [standin[(name, i)] for i in range(len(value))]
            )
            for name, value in values.items()
        }
        queryset: Any = self.build(**built)
        if (
            queryset._iterable_class
            not in (ModelIterable, ValuesIterable, ValuesListIterable, FlatValuesListIterable)
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            raise TypeError("Compiled runs model, values() and values_list() querysets only")
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        by_standin = {v: name for name, v in standin.items()}
        slots = tuple(
            (i, by_standin[p], None if type(p) in _STANDINS else type(p))
            for i, p in enumerate(params)
            if _standin_like(p) and p in by_standin
        )
        return queryset, compiler, sql, list(params), slots

    def _run(self, plan: _Plan, flat: dict[Hashable, Any]) -> list[Any]:
        params = list(plan.params)
        for i, name, wrap in plan.slots:
            params[i] = flat[name] if wrap is None else wrap(flat[name])
        connection = connections[self.using]
        with _cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.width is not None:
            rows = [row[: plan.width] for row in rows]
        if plan.converters:
            converted = []
            for fetched in rows:
                row = list(fetched)
                for pos, fns, expression in plan.converters:
                    value = row[pos]
                    for fn in fns:
                        value = fn(value, expression, connection)
                    row[pos] = value
                converted.append(row)
            rows = converted
        if plan.rows == "tuple":
            return [tuple(row) for row in rows]
        if plan.rows == "flat":
            return [row[0] for row in rows]
        if plan.rows == "dict":
            return [dict(zip(plan.names, row, strict=False)) for row in rows]
        assert plan.model is not None
        start, end = plan.fields
        out = []
        for row in rows:
            obj = plan.model.from_db(self.using, list(plan.init_list), row[start:end])
            for populator in plan.related:
                populator.populate(row, obj)
            for name, pos in plan.annotations:
                setattr(obj, name, row[pos])
            out.append(obj)
        return out


def _standin_like(param: Any) -> bool:
    """An int or str, or a backend's subclass of one (psycopg's ``Int4``); never a bool
    (``True == 1``)."""
    return isinstance(param, int | str) and not isinstance(param, bool)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs a query (``connection.queries``, the test suite's query counts) with its values
    in, as Django logs the same query bound on the client: psycopg keeps no text of a
    statement it ran prepared."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


def _cursor(connection: Any) -> Any:
    """Django's cursor, or on PostgreSQL with ``prepare_threshold`` set, a cursor that binds on
    the server (so psycopg prepares what it runs often), wrapped as Django wraps its own:
    the query is logged and counted, and errors are Django's."""
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
        # As Django's create_cursor does: the time zone of the connection's readers.
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, raw)
    if connection.queries_logged:
        return _PreparedDebugWrapper(raw, connection)
    return connection.make_cursor(raw)
