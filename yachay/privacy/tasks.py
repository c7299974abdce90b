"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from yachay.core.actors import SYSTEM
from yachay.core.queue import arm, periodic

# How often the retention rules are applied: daily is enough for rules counted in months.
SHRED_EVERY = dt.timedelta(hours=24)


@periodic(every=SHRED_EVERY)
@task()
def shred_expired(*, reschedule: bool = True) -> int:
    """Apply every call's retention rule (``privacy_shred``), append to the cancellation log
    file what it lacks, and delete the sessions of cancelled accounts; then come back in a
    day (the next run is armed first, so a failure here does not end the chain)."""
    from yachay.privacy import services

    if reschedule:
        arm(shred_expired, run_after=timezone.now() + SHRED_EVERY)
    services.cancellation_log_sync()
    services.sessions_of_cancelled_delete()
    return services.privacy_shred(actor=SYSTEM).total


@task()
def send_confirmation(*, case_id: int) -> bool:
    from yachay.privacy import services

    return services.case_send_confirmation(case_id=case_id)


@task()
def send_answer(*, case_id: int) -> bool:
    from yachay.privacy import services

    return services.case_send_answer(case_id=case_id)


# How often requests never confirmed are forgotten.
FORGET_EVERY = dt.timedelta(hours=6)


@periodic(every=FORGET_EVERY)
@task()
def forget_unconfirmed(*, reschedule: bool = True) -> int:
    """Delete requests whose confirmation link expired unused, then come back later."""
    from yachay.privacy import services

    if reschedule:
        arm(forget_unconfirmed, run_after=timezone.now() + FORGET_EVERY)
    return services.cases_forget_unconfirmed(actor=SYSTEM)
