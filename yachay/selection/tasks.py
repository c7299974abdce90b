"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from yachay.core.actors import SYSTEM
from yachay.core.queue import arm, periodic

# How often the offer-expiry job runs again.
EXPIRY_EVERY = dt.timedelta(minutes=10)


@task()
def promote_waitlist(*, call_id: int) -> int:
    from yachay.programs.models import Call
    from yachay.selection import services

    call = Call.objects.get(pk=call_id)
    return len(services.waitlist_promote(call=call, actor=SYSTEM))


@task()
def send_offer_email(*, offer_id: int) -> None:
    from yachay.selection import services

    services.offer_send_email(offer_id=offer_id)


@task()
def send_run_offers(*, run_id: int) -> int:
    """One task per published run; each email is its own task, so one failure retries alone."""
    from yachay.selection.models import Offer

    ids = list(
        Offer.objects.filter(decision__run_id=run_id, state=Offer.State.PENDING).values_list(
            "pk", flat=True
        )
    )
    for offer_id in ids:
        send_offer_email.enqueue(offer_id=offer_id)
    return len(ids)


@periodic(every=EXPIRY_EVERY)
@task()
def expire_offers(*, reschedule: bool = True) -> int:
    """Expire overdue offers, then come back in ``EXPIRY_EVERY`` (a periodic job on the queue:
    the next run is armed first, so a failure here does not end the chain, and only if none
    is waiting, so a run repeated after a crash does not double it)."""
    from yachay.selection import services

    if reschedule:
        arm(expire_offers, run_after=timezone.now() + EXPIRY_EVERY)
    return services.offers_expire(actor=SYSTEM)
