"""The task queue's upkeep (django-tasks' database backend): periodic jobs that cannot fall
out of their schedule, and tasks left RUNNING by a worker that died, given back.

Every task is written to be safe to run twice (emails go through
``core.services.email_send_once``), so a task that may or may not have finished is run
again rather than lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import Task, TaskResultStatus, normalize_json
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("yachay.worker")

# Errors that mean "the database is unreachable for now", not "this task is wrong".
DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
# A task that failed with one of these is run again later: the database or the mail server
# (smtplib's errors and socket timeouts are OSErrors) was away, the task did nothing wrong.
TRANSIENT: tuple[type[Exception], ...] = (*DATABASE_DOWN, OSError)

# A task claimed this many times without finishing is given up (FAILED), not retried again:
# a task that kills its worker every time must not kill every worker forever. With the
# delays of ``retry_delay`` the attempts span about an hour.
MAX_ATTEMPTS = 8

_PERIODIC: dict[str, tuple[Task[Any, Any], dt.timedelta]] = {}

T = TypeVar("T", bound=Task[Any, Any])


class TaskAbandoned(Exception):
    """Recorded on a task that was claimed ``MAX_ATTEMPTS`` times and never finished."""


def periodic(*, every: dt.timedelta) -> Callable[[T], T]:
    """Mark a task (taking no required arguments) as a periodic job: the worker arms it when
    it starts, unless one is waiting. The task re-arms itself with :func:`arm`."""

    def register(task: T) -> T:
        _PERIODIC[task.module_path] = (task, every)
        return task

    return register


def enqueue_with_transaction(task: Task[Any, Any], **kwargs: Any) -> None:
    """Enqueue ``task`` as part of the current transaction when the queue is a table of the
    same database (django-tasks-db): the task row commits, or rolls back, with the work that
    asks for it — one commit fewer per request, and nothing lost if the process dies between
    the commit and the enqueue; the worker cannot see the row before the commit. With any
    other backend (the immediate one of the tests, a broker), after the commit."""
    if _queued_in_default_db(task):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


def _queued_in_default_db(task: Task[Any, Any]) -> bool:
    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
    )


def task_row(task: Task[Any, Any], **kwargs: Any) -> DBTaskResult | None:
    """The unsaved queue row that enqueueing ``task`` with ``kwargs`` would write, for a
    service that writes it together with its own rows (``core.inserts``); None when the
    queue is not a table of the default database (then enqueue after the commit). The row
    is built as django-tasks-db's ``DatabaseBackend.enqueue`` builds it (its
    ``task_enqueued`` signal, a debug log line, is not sent)."""
    if not _queued_in_default_db(task):
        return None
    backend = task.get_backend()
    backend.validate_task(task)
    return DBTaskResult(
        id=backend._get_id(),  # the backend's own id function (a UUID by default)
        args_kwargs=normalize_json({"args": [], "kwargs": kwargs}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,  # None: the model's pre_save handler makes it "no delay"
        backend_name=backend.alias,
    )


def periodic_tasks() -> list[tuple[Task[Any, Any], dt.timedelta]]:
    return list(_PERIODIC.values())


def arm(task: Task[Any, Any], *, run_after: dt.datetime | None = None) -> bool:
    """Enqueue ``task`` (no arguments) unless one is already waiting; True if enqueued now.
    Only for the database backend: the immediate one (tests) has no queue to wait in."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    with transaction.atomic():
        waiting = DBTaskResult.objects.filter(
            task_path=task.module_path, backend_name=backend.alias, status=TaskResultStatus.READY
        ).exists()
        if not waiting:
            (task.using(run_after=run_after) if run_after else task).enqueue()
    return not waiting


def arm_periodic() -> list[str]:
    """Arm every periodic job that has nothing waiting (to run now); the names armed."""
    return [task.name for task, _every in periodic_tasks() if arm(task)]


def _give_back(rows: Iterable[DBTaskResult], *, now: dt.datetime) -> tuple[int, int]:
    requeued = abandoned = 0
    for row in rows:
        if len(row.worker_ids) >= MAX_ATTEMPTS:
            row.status, row.finished_at = TaskResultStatus.FAILED, now
            row.exception_class_path = f"{TaskAbandoned.__module__}.{TaskAbandoned.__qualname__}"
            row.traceback = (
                f"{TaskAbandoned.__name__}: claimed {len(row.worker_ids)} times, never finished "
                "(its worker was killed or lost the database each time)."
            )
            row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            abandoned += 1
        else:
            row.status = TaskResultStatus.READY
            row.save(update_fields=["status"])
            requeued += 1
    return requeued, abandoned


def tasks_reclaim(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> tuple[int, int]:
    """Give back the tasks RUNNING for longer than ``older_than`` (their worker died: kill -9,
    a lost machine): READY again, or FAILED after ``MAX_ATTEMPTS`` claims. How many of each."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=now - older_than
        )
        requeued, abandoned = _give_back(rows, now=now)
    if requeued or abandoned:
        logger.warning(
            "Reclaimed %d stale running task(s), gave up %d after %d attempts.",
            requeued,
            abandoned,
            MAX_ATTEMPTS,
        )
    return requeued, abandoned


def tasks_release(*, worker_id: str) -> int:
    """Give back the tasks this worker left RUNNING (it lost the database in the middle of
    one); call it only between tasks. How many."""
    now = timezone.now()
    with transaction.atomic():
        rows = [
            row
            for row in DBTaskResult.objects.select_for_update().filter(
                status=TaskResultStatus.RUNNING
            )
            if row.worker_ids and row.worker_ids[-1] == worker_id
        ]
        requeued, abandoned = _give_back(rows, now=now)
    return requeued + abandoned


def failed_transiently(row: DBTaskResult) -> bool:
    """Did this task fail for a reason outside it (database, mail server) that may pass?"""
    if row.status != TaskResultStatus.FAILED or not row.exception_class_path:
        return False
    try:
        cls = import_string(row.exception_class_path)
    except ImportError:
        return False
    return isinstance(cls, type) and issubclass(cls, TRANSIENT)


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s after the first failed attempt, then twice as long each time, at most 30 min."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


def task_retry_later(row: DBTaskResult) -> bool:
    """Put a task that failed transiently back in the queue, :func:`retry_delay` from now,
    unless it has had ``MAX_ATTEMPTS``; True if it will run again."""
    attempts = len(row.worker_ids)
    if attempts >= MAX_ATTEMPTS:
        return False
    row.status, row.run_after, row.finished_at = (
        TaskResultStatus.READY,
        timezone.now() + retry_delay(attempts),
        None,
    )
    row.save(update_fields=["status", "run_after", "finished_at"])
    return True
