"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task


@task()
def send_reference_again(*, application_id: int) -> None:
    from yachay.intake import services

    services.application_send_reference_again(application_id=application_id)
