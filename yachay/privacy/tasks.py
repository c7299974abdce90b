"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task


@task()
def send_confirmation(*, case_id: int) -> bool:
    from yachay.privacy import services

    return services.case_send_confirmation(case_id=case_id)


@task()
def send_answer(*, case_id: int) -> bool:
    from yachay.privacy import services

    return services.case_send_answer(case_id=case_id)
