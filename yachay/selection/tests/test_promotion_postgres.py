"""On PostgreSQL, with real parallel transactions: two declines at the same instant."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from yachay.core.actors import SYSTEM
from yachay.programs.models import Call
from yachay.selection.models import Offer, SelectionRun
from yachay.selection.services import (
    _seat_holders,
    offer_decline,
    selection_dry_run,
    selection_publish,
)
from yachay.selection.tests.test_selection_runs import closed_call  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI runs it there")


def test_two_declines_at_once_hand_two_seats_to_two_people(closed_call: Call) -> None:  # noqa: F811
    run = selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    first, second = list(Offer.objects.order_by("pk")[:2])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def decline(offer: Offer) -> None:
        try:
            barrier.wait(timeout=10)
            offer_decline(offer=offer, actor=SYSTEM)  # promotion runs after commit (immediate)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decline, args=(o,)) for o in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    run = SelectionRun.objects.get(pk=run.pk)
    promoted = list(Offer.objects.filter(promoted=True).values_list("decision_id", flat=True))
    assert len(promoted) == 2 and len(set(promoted)) == 2  # two seats, two different people
    assert _seat_holders(run).count() == len(run.admitted_ids)  # no seat lost, none doubled


def test_a_promotion_racing_a_decline_never_overfills(closed_call: Call) -> None:  # noqa: F811
    from yachay.selection.services import waitlist_promote

    run = selection_publish(run=selection_dry_run(call=closed_call, actor=SYSTEM), actor=SYSTEM)
    offer = Offer.objects.order_by("pk").first()
    assert offer is not None
    barrier = threading.Barrier(3)

    def work(kind: str) -> None:
        try:
            barrier.wait(timeout=10)
            if kind == "decline":
                offer_decline(offer=offer, actor=SYSTEM)
            else:
                waitlist_promote(call=closed_call, actor=SYSTEM)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(k,)) for k in ("decline", "promote", "promote")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Offer.objects.filter(promoted=True).count() == 1
    assert _seat_holders(run).count() == len(run.admitted_ids)
