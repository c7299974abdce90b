"""Retention: ``privacy_shred`` anonymises the applications of people who got no place, once
their call's rule says so; the figures of the call do not change; it is safe to interrupt and
to run again."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from yachay.core import ubigeo
from yachay.core.actors import SYSTEM
from yachay.core.dates import age_on
from yachay.core.models import AuditEvent
from yachay.intake.models import Application
from yachay.intake.personal_data import NO_ADDRESS, generalised_birth_date
from yachay.privacy import services
from yachay.privacy.models import RetentionRule
from yachay.privacy.services import NOT_PLACED, privacy_shred
from yachay.programs.models import Call
from yachay.selection.tests.test_selection_runs import submit

pytestmark = pytest.mark.django_db

BANDS = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 200))
STATUSES = list(Application.Status.values)
UBIGEOS = ["080101", "150101", "150501", "070101", "210101", "130101"]


def band(age: int) -> str:
    return next(f"{lo}-{hi}" for lo, hi in BANDS if lo <= age <= hi)


def funnel(call: Call) -> Counter[tuple[Any, ...]]:
    """The funnel's cells as reports count them (issue 13): stage, department, the Lima
    split, gender, segment, age band on the closing day, modality, week of application."""
    closing = timezone.localtime(call.closes_at).date()
    return Counter(
        (
            a.status,
            a.department,
            ubigeo.department_group(a.ubigeo),
            a.gender,
            a.segment,
            band(a.age_on(closing)),
            a.modality,
            a.created_at.isocalendar()[:2],
        )
        for a in Application.objects.filter(call=call)
    )


@pytest.fixture
def past_call(call: Call) -> Call:
    call.ruc_required_segments = []
    call.save()
    genders = ["female", "male", "other", "undisclosed"]
    segments = ["entrepreneur", "sme_expert", "sme_owner", "other"]
    for i in range(40):
        app = submit(call, i, genders[i % 4], UBIGEOS[i % 6], segments[i % 4], None)
        app.status = STATUSES[i % len(STATUSES)]
        app.birth_date = dt.date(1950 + i, (i % 12) + 1, (i % 28) + 1)
        app.modality = "in_person" if i % 3 else "virtual"
        app.save()
    call.opens_at = timezone.now() - dt.timedelta(days=500)
    call.closes_at = timezone.now() - dt.timedelta(days=400)
    call.save()
    return call


def test_applications_of_people_without_a_place_are_anonymised_after_the_rule(
    past_call: Call,
) -> None:
    report = privacy_shred(actor=SYSTEM)
    expected = Application.objects.filter(call=past_call, status__in=NOT_PLACED).count()
    assert report.calls == {past_call.slug: expected}
    for app in Application.objects.filter(call=past_call):
        if app.status in NOT_PLACED:
            assert app.dni.startswith("X") and app.email == "" and app.given_names == ""
            assert app.phone == "" and app.consent_ip == NO_ADDRESS
        else:  # admitted, accepted, enrolled: kept while they take part
            assert not app.dni.startswith("X") and app.email


def test_the_funnel_of_the_call_does_not_change(past_call: Call) -> None:
    before = funnel(past_call)
    privacy_shred(actor=SYSTEM)
    assert funnel(past_call) == before


def test_a_second_run_finds_nothing_left_and_changes_nothing(past_call: Call) -> None:
    privacy_shred(actor=SYSTEM)
    rows = list(Application.objects.filter(call=past_call).values())
    again = privacy_shred(actor=SYSTEM)
    assert again.total == 0
    assert list(Application.objects.filter(call=past_call).values()) == rows


def test_an_interrupted_run_is_finished_by_the_next(past_call: Call) -> None:
    real = services._bulk_set
    calls = {"n": 0}

    def dies_on_the_second_batch(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    with (
        mock.patch.object(services, "_bulk_set", dies_on_the_second_batch),
        pytest.raises(KeyboardInterrupt),
    ):
        privacy_shred(actor=SYSTEM, batch_size=5)
    done = Application.objects.filter(call=past_call, dni__startswith="X").count()
    assert done == 5  # the first batch committed, the second rolled back
    privacy_shred(actor=SYSTEM, batch_size=5)
    left = services.shred_queryset(past_call).count()
    assert left == 0


def test_a_dry_run_changes_nothing_and_says_how_many(past_call: Call) -> None:
    report = privacy_shred(actor=SYSTEM, dry_run=True)
    assert report.total == Application.objects.filter(status__in=NOT_PLACED).count()
    assert not Application.objects.filter(dni__startswith="X").exists()
    assert not AuditEvent.objects.filter(action="privacy.shred").exists()


def test_a_call_whose_rule_has_not_ended_is_left_alone(past_call: Call) -> None:
    RetentionRule.objects.create(call=past_call, months=120)
    assert privacy_shred(actor=SYSTEM).total == 0
    RetentionRule.objects.filter(call=past_call).update(months=6)
    assert privacy_shred(actor=SYSTEM).total > 0


def test_an_open_call_is_never_shredded(call: Call) -> None:
    submit(call, 1, "female", "080101", "entrepreneur", None)
    assert privacy_shred(actor=SYSTEM).total == 0


def test_each_batch_is_audited(past_call: Call) -> None:
    privacy_shred(actor=SYSTEM, batch_size=7)
    events = AuditEvent.objects.filter(action="privacy.shred")
    assert sum(e.changes["applications"] for e in events) == len(
        [a for a in Application.objects.filter(call=past_call) if a.status in NOT_PLACED]
    )


def test_the_command_reports_and_its_dry_run_changes_nothing(past_call: Call) -> None:
    out = StringIO()
    call_command("privacy_shred", "--dry-run", stdout=out)
    assert "would be anonymised" in out.getvalue()
    assert not Application.objects.filter(dni__startswith="X").exists()
    out = StringIO()
    call_command("privacy_shred", stdout=out)
    call_command("privacy_shred", stdout=out)  # a re-run: nothing more, no error
    assert "Total: 0 applications anonymised." in out.getvalue()


@pytest.mark.parametrize(
    "closing", [dt.date(2027, 2, 28), dt.date(2028, 2, 29), dt.date(2027, 12, 31)]
)
@pytest.mark.parametrize(
    "birth", [dt.date(1960, 2, 29), dt.date(1990, 3, 1), dt.date(2000, 12, 31), dt.date(1985, 1, 1)]
)
def test_the_generalised_birth_date_keeps_the_age_on_the_closing_day(
    birth: dt.date, closing: dt.date
) -> None:
    assert age_on(generalised_birth_date(birth, closing), closing) == age_on(birth, closing)
