"""Background entry points of impact: the daily invitation of the bands to their follow-ups."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from yachay.core.queue import arm, periodic

EVERY = dt.timedelta(days=1)


@periodic(every=EVERY)
@task()
def invite_followups(*, reschedule: bool = True) -> dict[str, dict[str, int]]:
    """Invite the band of every published run to the follow-ups now due, then come back
    tomorrow (armed first, so a failure does not end the chain). Safe to run twice: a person
    already invited to a survey is not invited again."""
    from yachay.impact import selectors, services

    if reschedule:
        arm(invite_followups, run_after=timezone.now() + EVERY)
    done: dict[str, dict[str, int]] = {}
    for run in selectors.published_runs():
        made = services.followups_invite(run=run)
        if made:
            done[str(run.pk)] = made
    return done
