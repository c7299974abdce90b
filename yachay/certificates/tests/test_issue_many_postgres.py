"""On PostgreSQL, with real parallel transactions: overlapping bulk batches and single tasks
run at once issue one certificate per enrollment, at distinct status positions."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from yachay.certificates.models import Certificate, StatusList
from yachay.certificates.tasks import issue_certificate, issue_certificates
from yachay.cohorts.models import Enrollment
from yachay.learning.tests.conftest import Learning, learning, live  # noqa: F401
from yachay.learning.tests.test_learning_postgres import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")


def test_overlapping_batches_and_single_tasks_at_once_issue_each_certificate_once(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    ids = [e.pk for e in learning.live.enrollments]
    Enrollment.objects.filter(pk__in=ids).update(status="completed")
    batches = [ids, ids[::-1], ids[:2], ids[1:]]

    def work(i: int) -> str:
        if i < len(batches):
            return str(issue_certificates.call(enrollment_ids=batches[i]))
        return str(issue_certificate.call(enrollment_id=ids[i % len(ids)]))

    outcomes = at_once(len(batches) + 3, work)
    assert not [o for o in outcomes if "Error" in o], outcomes
    assert Certificate.objects.count() == 3
    assert sorted(Certificate.objects.values_list("enrollment_id", flat=True)) == sorted(ids)
    positions = list(Certificate.objects.values_list("status_index", flat=True))
    assert len(set(positions)) == 3 and StatusList.objects.get().next_index >= 3
