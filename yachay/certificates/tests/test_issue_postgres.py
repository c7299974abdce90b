"""On PostgreSQL, with real parallel transactions: the same certificate task run at once by
several workers issues one certificate, and issues for different learners take distinct
status-list positions."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from yachay.certificates.models import Certificate, StatusList
from yachay.certificates.tasks import issue_certificate
from yachay.cohorts.models import Enrollment
from yachay.learning.tests.conftest import Learning, learning, live  # noqa: F401
from yachay.learning.tests.test_learning_postgres import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")


def test_the_task_run_by_many_workers_at_once_issues_one_certificate(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    ids = [e.pk for e in learning.live.enrollments]
    Enrollment.objects.filter(pk__in=ids).update(status="completed")
    # Five workers on the same enrollment, two more on each of the others.
    targets = [ids[0]] * 5 + [ids[1]] * 2 + [ids[2]] * 2
    outcomes = at_once(
        len(targets), lambda i: str(issue_certificate.call(enrollment_id=targets[i]))
    )
    assert len(set(outcomes)) == 3, outcomes  # one code per enrollment, whoever won
    assert Certificate.objects.count() == 3
    assert sorted(Certificate.objects.values_list("status_index", flat=True)) == [0, 1, 2]
    assert StatusList.objects.get().next_index == 3
