"""`manage.py worker` killed with SIGKILL in the middle of a batch of certificates (a program
admin issued for a whole cohort): once a worker runs again, every completed enrollment holds
exactly one certificate, each at its own status-list position, and no task stays RUNNING."""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yachay.certificates.models import Certificate, StatusList
from yachay.certificates.services import certificates_issue_for
from yachay.cohorts.models import Enrollment
from yachay.cohorts.tests.conftest import _enrol
from yachay.core.actors import SYSTEM
from yachay.learning.tests.conftest import Learning, learning, live  # noqa: F401
from yachay.selection.tests.test_worker_postgres import (  # noqa: F401  (the fixture)
    WorkerProcess,
    unfinished,
    wait_for,
    workers,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ISSUE_TASK = "yachay.certificates.tasks.issue_certificates"


@pytest.fixture(autouse=True)
def _postgres_only(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def row_lock(enrollment_id: int) -> psycopg.Connection[Any]:
    """Another session holding the enrollment's row lock: the worker's issue of that
    enrollment waits on it, in the middle of its task, until the lock goes."""
    db = connection.settings_dict
    held = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
        dbname=db["NAME"], password=db["PASSWORD"] or None,
    )  # fmt: skip
    held.execute("SELECT id FROM cohorts_enrollment WHERE id = %s FOR UPDATE", [enrollment_id])
    return held


def test_a_worker_killed_mid_batch_leaves_each_completed_enrollment_one_certificate(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
    workers: Callable[..., WorkerProcess],  # noqa: F811
) -> None:
    cohort = learning.live.cohort
    names = ["Sumaq Quispe", "Ch'aska Ñaupa", "Amaru Tupa", "Killa Huamán", "Rosa Peña",
             "Inti Mamani", "Wayra Ccori", "Nina Yupanqui"]  # fmt: skip
    extra = [_enrol(cohort.call, 10 + i, "080101", cohort, n) for i, n in enumerate(names)]
    env = {
        "YACHAY_SIGNING_KEYS_DIR": str(signing_dir),
        "YACHAY_SITE_URL": "http://testserver",
        "YACHAY_TASK_STALE_MINUTES": "1",
    }
    ids = sorted([e.pk for e in learning.live.enrollments] + [e.pk for e in extra])
    Enrollment.objects.filter(pk__in=ids).update(
        status="completed", status_changed_at=timezone.now()
    )
    blocked = ids[2]
    held = row_lock(blocked)
    try:
        certificates_issue_for(scope=cohort, enrollment_ids=ids, actor=SYSTEM)
        # Issuing for a cohort queues the bulk task (100 enrollments a task): one here.
        assert DBTaskResult.objects.filter(task_path=ISSUE_TASK).count() == 1

        first = workers(1, **env)
        wait_for(
            lambda: DBTaskResult.objects.running().exists(),
            "the batch's task waiting on the third enrollment's lock",
            first,
        )
        time.sleep(0.5)  # well inside the task: it has locked the first two and waits
        first.stop(signal.SIGKILL)  # kill -9, in the middle of the batch
    finally:
        held.rollback()
        held.close()
    stuck = DBTaskResult.objects.running().get()
    assert stuck.task_path == ISSUE_TASK
    assert sorted(stuck.args_kwargs["kwargs"]["enrollment_ids"]) == ids
    assert not Certificate.objects.exists()  # the killed transaction issued nothing

    # No worker runs it any more: once YACHAY_TASK_STALE_MINUTES have passed, the next worker
    # gives it back to the queue and finishes the batch.
    DBTaskResult.objects.filter(pk=stuck.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=2)
    )
    second = workers(1, **env)
    wait_for(lambda: unfinished() == 0, "the rest of the batch", second)
    second.stop()

    per_enrollment = Counter(Certificate.objects.values_list("enrollment_id", flat=True))
    assert per_enrollment == Counter({pk: 1 for pk in ids})
    indexes = list(Certificate.objects.values_list("status_index", flat=True))
    assert sorted(indexes) == list(range(len(ids)))  # the killed transaction took none
    assert StatusList.objects.get().next_index == len(ids)
    assert not DBTaskResult.objects.running().exists()
    assert set(
        DBTaskResult.objects.filter(task_path=ISSUE_TASK).values_list("status", flat=True)
    ) == {"SUCCESSFUL"}
    assert len(DBTaskResult.objects.get(pk=stuck.pk).worker_ids) == 2
