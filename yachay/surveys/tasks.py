"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yachay.core.queue import arm, periodic


@task()
def invite_completed(*, enrollment_id: int) -> bool:
    """The end-of-course invitation of a completed enrollment (safe to run twice)."""
    from yachay.surveys import services

    return services.invite_enrollment(enrollment_id) is not None


@periodic(every=dt.timedelta(minutes=30))
@task()
def invite_due() -> dict[str, int]:
    """Invite whoever is due (baseline, end of course, 3 and 6 months) and send what is not
    sent yet; then come back in 30 minutes."""
    from yachay.surveys import services

    arm(invite_due, run_after=timezone.now() + dt.timedelta(minutes=30))
    if not settings.YACHAY_SURVEYS_ENABLED:
        return {}
    return services.invitations_due()
