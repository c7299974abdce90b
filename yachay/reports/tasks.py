"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yachay.core.actors import SYSTEM
from yachay.core.queue import arm, periodic

# How often the summaries are rebuilt (YACHAY_REPORTS_REFRESH_MINUTES, default 10).
REFRESH_EVERY = dt.timedelta(minutes=settings.YACHAY_REPORTS_REFRESH_MINUTES)
# How often the public aggregates are counted again (the transparency page says when they were).
PUBLIC_REFRESH_EVERY = dt.timedelta(minutes=settings.YACHAY_TRANSPARENCY_REFRESH_MINUTES)


@periodic(every=REFRESH_EVERY)
@task()
def refresh_summaries(*, reschedule: bool = True) -> int:
    """Rebuild the reports' summaries, then come back in ``REFRESH_EVERY`` (armed first, so
    a failure does not end the chain; only if none waits, so a rerun does not double it)."""
    from yachay.reports import services

    if reschedule:
        arm(refresh_summaries, run_after=timezone.now() + REFRESH_EVERY)
    return services.learner_activity_refresh()


@periodic(every=PUBLIC_REFRESH_EVERY)
@task()
def refresh_public_snapshot(*, reschedule: bool = True) -> str:
    """Count the transparency page's aggregates again, then come back in
    ``PUBLIC_REFRESH_EVERY`` (armed first, so a failure does not end the chain; safe to run
    twice: a second run stores a second, equal snapshot)."""
    from yachay.reports import services

    if reschedule:
        arm(refresh_public_snapshot, run_after=timezone.now() + PUBLIC_REFRESH_EVERY)
    return services.public_snapshot_refresh(actor=SYSTEM).digest
