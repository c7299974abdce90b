"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yachay.core.queue import arm, periodic

SEND_BATCH = 200


@task()
def send_messages(*, message_ids: list[int]) -> dict[str, int]:
    """Send a batch; safe to run twice (each message is sent only while queued)."""
    from yachay.engagement import services

    return dict(services.messages_send(message_ids=message_ids))


def queue_sending(message_ids: list[int]) -> int:
    """One task per batch of ``SEND_BATCH``; how many tasks."""
    batches = [message_ids[i : i + SEND_BATCH] for i in range(0, len(message_ids), SEND_BATCH)]
    for batch in batches:
        send_messages.enqueue(message_ids=batch)
    return len(batches)


@periodic(every=dt.timedelta(minutes=15))
@task()
def evaluate_rules() -> int:
    """Evaluate every rule, queue what is to be sent, then come back in
    ``YACHAY_NUDGE_EVERY_MINUTES``. How many messages were queued."""
    from yachay.engagement import services

    arm(
        evaluate_rules,
        run_after=timezone.now() + dt.timedelta(minutes=settings.YACHAY_NUDGE_EVERY_MINUTES),
    )
    if not settings.YACHAY_NUDGES_ENABLED:
        return 0
    summary = services.messages_evaluate()
    queue_sending(summary.queued_ids)
    return len(summary.queued_ids)


@periodic(every=dt.timedelta(days=7))
@task()
def risk_score_weekly() -> int:
    """This week's at-risk signal for every active learner, then again in a week. How many
    learners were scored."""
    from yachay.core.actors import Actor
    from yachay.engagement import services

    arm(risk_score_weekly, run_after=timezone.now() + dt.timedelta(days=7))
    return services.risk_score(actor=Actor(label="task:risk_score_weekly")).scored
