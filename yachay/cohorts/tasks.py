"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task


@task()
def send_cohort_email(*, enrollment_id: int) -> None:
    from yachay.cohorts import services

    services.enrollment_send_cohort_email(enrollment_id=enrollment_id)


@task()
def send_cohort_emails(*, enrollment_ids: list[int]) -> int:
    """One task per assignment run; each email is its own task, so one failure retries alone."""
    for enrollment_id in enrollment_ids:
        send_cohort_email.enqueue(enrollment_id=enrollment_id)
    return len(enrollment_ids)
