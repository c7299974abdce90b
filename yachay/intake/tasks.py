"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task


@task()
def send_reference_again(*, application_id: int, hour: str = "") -> bool:
    from yachay.intake import services

    return services.application_send_reference_again(application_id=application_id, hour=hour)


@task()
def send_confirmation(*, application_id: int) -> bool:
    """The email with the reference code, sent by the worker: building and sending it took
    a sixth of the API's CPU per application when it ran in the request."""
    from yachay.intake import services

    return services.application_send_confirmation(application_id=application_id)
