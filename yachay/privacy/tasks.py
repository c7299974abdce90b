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
