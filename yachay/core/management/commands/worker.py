"""The task worker: django-tasks-db's ``db_worker`` that rides out a database restart.

``db_worker`` exits on the first error it cannot ignore, such as "the database system is
shutting down", and the queue then stops until someone notices. This worker instead closes
its connections and tries again, waiting 1, 2, 4 … up to 60 seconds between attempts; once
the database answers it gives back the task it was running when the database went away,
reclaims tasks left RUNNING by workers that died (after ``YACHAY_TASK_STALE_MINUTES``), and
arms the periodic jobs that have nothing waiting. A task that fails because the database or
the mail server was away is run again later (``core.queue.retry_delay``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import signal
import time
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections, connections
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from yachay.core import queue

logger = logging.getLogger("yachay.worker")

BACKOFF_FIRST = 1.0  # seconds
BACKOFF_MAX = 60.0
# How often a running worker looks for tasks left RUNNING by another that died.
RECLAIM_EVERY = 60.0


class Worker(db_worker.Worker):
    def __init__(self, *, stale_after: dt.timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stale_after = stale_after
        self.backoff = BACKOFF_FIRST
        self.next_reclaim = 0.0

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together spread out
        ready = False  # the upkeep below is done once per connection to the database
        while self.running:
            try:
                if not ready:
                    self.upkeep()
                    ready = True
                ran = self.step()
            except queue.DATABASE_DOWN as exc:
                ready = False
                self.wait_for_database(exc)
                continue
            self.backoff = BACKOFF_FIRST
            if self.batch and ran is False:
                logger.info("No more tasks to run for worker_id=%s - exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d tasks - exiting.", self._run_tasks)
                return
            if self.running and not ran:
                time.sleep(self.interval)

    def configure_signals(self) -> None:
        started_in_background = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        super().configure_signals()
        if started_in_background:
            # Ctrl-C is for the foreground (make run's web server); whoever started us in the
            # background stops us with TERM, and would otherwise start us again.
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def upkeep(self) -> None:
        released = queue.tasks_release(worker_id=self.worker_id)
        if released:
            logger.warning("Gave back %d task(s) interrupted by the database.", released)
        self.reclaim()
        armed = queue.arm_periodic()
        if armed:
            logger.info("Armed periodic job(s): %s", ", ".join(armed))

    def reclaim(self) -> None:
        queue.tasks_reclaim(older_than=self.stale_after)
        self.next_reclaim = time.monotonic() + RECLAIM_EVERY

    def step(self) -> bool | None:
        """Claim and run one task: True if one ran, False if none was ready, None if the
        queue could not be read (locked) - as ``db_worker``'s loop."""
        close_old_connections()  # drop a connection the database closed while we slept
        if time.monotonic() >= self.next_reclaim:
            self.reclaim()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except queue.DATABASE_DOWN as exc:
                if isinstance(exc, OperationalError) and is_locked_database_exception(exc):
                    return None  # SQLite busy: try again shortly
                raise
        if task_result is None:
            return False
        self.run_task(task_result)
        close_old_connections()
        return True

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        # A task that failed because the database or the mail server went away did nothing
        # wrong, and every task is safe to run twice: run it again later.
        if queue.failed_transiently(db_task_result) and queue.task_retry_later(db_task_result):
            logger.warning(
                "Task id=%s failed (%s); it will run again at %s.",
                db_task_result.id,
                db_task_result.exception_class_path,
                db_task_result.run_after.isoformat(timespec="seconds"),
            )

    def wait_for_database(self, exc: Exception) -> None:
        delay = self.backoff * (1 + random.random() / 4)  # jitter: workers do not retry in step
        logger.warning(
            "Database unavailable (%s: %s); trying again in %.0f s.",
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
            delay,
        )
        connections.close_all()
        time.sleep(delay)
        self.backoff = min(self.backoff * 2, BACKOFF_MAX)


class Command(db_worker.Command):
    help = (
        "Run the background task worker: db_worker that survives database restarts, "
        "reclaims stale tasks and keeps the periodic jobs armed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        self.configure_logging(verbosity)
        logger.setLevel(logging.getLogger("django_tasks_db").level)
        autodiscover_modules("tasks")  # every app's tasks, so their periodic jobs are known
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
            stale_after=dt.timedelta(minutes=settings.YACHAY_TASK_STALE_MINUTES),
        )
        # No autoreload (--reload is ignored): a restart could leave a task half done.
        worker.configure_signals()
        worker.run()
