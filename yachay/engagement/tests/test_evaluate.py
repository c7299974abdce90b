"""Evaluating the rules: who gets what, once, and who does not and why."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yachay.cohorts.models import Enrollment, Session
from yachay.core import services as core_services
from yachay.core.actors import SYSTEM
from yachay.engagement import services, tasks
from yachay.engagement.models import ContactPreference, Message, Unsubscription
from yachay.engagement.rules import load_rules
from yachay.engagement.tests.conftest import Learning, lima
from yachay.learning.models import LessonProgress

RULES = {r.id: r for r in load_rules(Path(settings.BASE_DIR) / "content" / "nudges")}


def run(*ids: str, now: dt.datetime) -> services.RunSummary:
    return services.messages_evaluate(now=now, rules=[RULES[i] for i in ids])


def _session_tomorrow(learning: Learning, now: dt.datetime) -> Session:
    return Session.objects.create(
        cohort=learning.live.cohort, topic="Datos y privacidad",
        starts_at=now + dt.timedelta(hours=20), ends_at=now + dt.timedelta(hours=22),
        place="Aula 3",
    )  # fmt: skip


def test_a_session_reminder_goes_once_to_each_learner_with_the_ics_and_unsubscribe_headers(
    learning: Learning,
) -> None:
    now = lima(10)
    session = _session_tomorrow(learning, now)
    summary = run("session-reminder-24h", now=now)
    assert summary.rules["session-reminder-24h"]["queued"] == 3
    tasks.queue_sending(summary.queued_ids)
    assert len(mail.outbox) == 3
    email = mail.outbox[0]
    assert "Datos y privacidad" in email.subject and "Aula 3" in email.body
    assert email.attachments[0][0] == "sesion.ics"
    assert f"session-{session.pk}@" in email.attachments[0][1]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.extra_headers["List-Unsubscribe"].startswith("<http")
    # Rerun, later, and a second worker: nothing more.
    again = run("session-reminder-24h", now=now + dt.timedelta(minutes=15))
    tasks.queue_sending(again.queued_ids)
    tasks.send_messages.call(message_ids=summary.queued_ids)
    assert len(mail.outbox) == 3
    assert Message.objects.filter(status="sent").count() == 3


def test_inactivity_names_the_next_lesson(learning: Learning) -> None:
    now = lima(10)
    Enrollment.objects.filter(pk=learning.enrollment.pk).update(
        status_changed_at=now - dt.timedelta(days=5)
    )
    LessonProgress.objects.create(
        user=learning.learner, course=learning.course, activity_id="l1",
        completed_at=now - dt.timedelta(days=3, hours=1),
    )  # fmt: skip
    rule = dataclasses.replace(RULES["inactive-3d"], holdout=0.0)
    summary = services.messages_evaluate(now=now, rules=[rule])
    message = Message.objects.get(rule="inactive-3d", user=learning.learner)
    assert message.status == "queued"
    assert message.occurrence == f"since:{(now - dt.timedelta(days=3, hours=1)):%Y-%m-%d}"
    assert "Tu siguiente lección: Lección l2" in message.subject
    assert "Lección l2" in message.body
    # The other two learners began (status_changed_at empty: created now): not inactive.
    assert summary.rules["inactive-3d"].total() == 1
    # Still inactive a day later: the same streak, no second 3-day nudge.
    again = services.messages_evaluate(now=now + dt.timedelta(days=1), rules=[rule])
    assert not again.queued_ids


def test_the_audience_limits_a_rule_to_cohorts_of_its_modalities(learning: Learning) -> None:
    now = lima(10)
    _session_tomorrow(learning, now)  # in the in-person cohort
    virtual_only = dataclasses.replace(RULES["session-reminder-24h"], modalities=("virtual",))
    assert not services.messages_evaluate(now=now, rules=[virtual_only]).queued_ids


def test_in_quiet_hours_only_the_one_hour_reminder_is_evaluated(learning: Learning) -> None:
    now = lima(22)
    Session.objects.create(
        cohort=learning.live.cohort, topic="Noche", starts_at=now + dt.timedelta(minutes=50),
        ends_at=now + dt.timedelta(hours=2),
    )  # fmt: skip
    summary = run("session-reminder-24h", "session-reminder-1h", "inactive-3d", now=now)
    assert set(summary.skipped_rules) == {"session-reminder-24h", "inactive-3d"}
    assert summary.rules["session-reminder-1h"]["queued"] == 3


def test_unsubscribed_people_are_recorded_as_suppressed_with_the_reason(
    learning: Learning,
) -> None:
    now = lima(10)
    _session_tomorrow(learning, now)
    person = learning.enrollment.application
    Unsubscription.objects.create(email=person.email.lower(), kind="reminders", source="link")
    run("session-reminder-24h", now=now)
    message = Message.objects.get(application=person)
    assert (message.status, message.reason) == ("suppressed", "unsubscribed")
    assert message.body == ""


def test_a_person_who_objected_to_reminders_gets_none_and_others_still_do(
    learning: Learning,
) -> None:
    """The right of opposition (core.Objection, written by the privacy app) stops every
    kind of message for that address, whatever its case; nobody else is affected."""
    now = lima(10)
    _session_tomorrow(learning, now)
    person = learning.enrollment.application
    core_services.objection_record(
        email=f"  {person.email.upper()} ", purpose="reminders", actor=SYSTEM
    )
    run("session-reminder-24h", now=now)
    message = Message.objects.get(application=person)
    assert (message.status, message.reason) == ("suppressed", "objected")
    assert message.body == ""
    others = Message.objects.exclude(application=person)
    assert others.exists() and not others.filter(reason="objected").exists()


def test_whatsapp_only_with_opt_in_and_sms_only_to_a_mobile(learning: Learning) -> None:
    rule = RULES["session-reminder-24h"]  # whatsapp, email, sms
    pref = ContactPreference(email="x@example.pe", preferred_channel="whatsapp")
    assert (
        services.choose_channel(rule, email="x@example.pe", phone="+51987654321", preference=pref)[
            0
        ]
        == "email"
    )
    pref.whatsapp_opt_in_at = lima(9)
    assert (
        services.choose_channel(rule, email="x@example.pe", phone="+51987654321", preference=pref)[
            0
        ]
        == "whatsapp"
    )
    # A landline (Lima, 01) cannot take WhatsApp or SMS: email, and the reason is kept.
    channel, _reason, skipped = services.choose_channel(
        rule, email="x@example.pe", phone="+5114567890", preference=pref
    )
    assert channel == "email" and skipped == {"whatsapp": "not_mobile"}
    sms_only = RULES["session-reminder-24h"].__class__(
        **{**RULES["session-reminder-24h"].__dict__, "channels": ("sms",)}
    )
    assert services.choose_channel(sms_only, email="", phone="+5114567890", preference=None)[
        :2
    ] == ("", "not_mobile")


def test_the_weekly_cap_suppresses_the_fourth_nudge(learning: Learning, settings: object) -> None:
    now = lima(10)
    person = learning.enrollment.application
    for i in range(3):
        Message.objects.create(
            rule=f"inactive-{i}", rule_version="x", kind="nudges", occurrence=str(i),
            application=person, status="sent", created_at=now - dt.timedelta(days=1),
        )  # fmt: skip
    Session.objects.create(
        cohort=learning.live.cohort, topic="Pasada", starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=2),
    )  # fmt: skip
    # The three earlier ones count only if their rules are nudges in the set evaluated.
    fake = [dataclasses.replace(RULES["inactive-3d"], id=f"inactive-{i}") for i in range(3)]
    services.messages_evaluate(now=now, rules=[*fake, RULES["session-missed"]])
    mine = Message.objects.get(rule="session-missed", application=person)
    assert (mine.status, mine.reason) == ("suppressed", "frequency_cap")
    others = Message.objects.filter(rule="session-missed").exclude(application=person)
    assert {m.status for m in others} <= {"queued", "held_out"}


def test_the_hold_out_is_seeded_recorded_and_stable() -> None:
    from yachay.engagement.holdout import held_out

    draws = [held_out(seed="s", rule="r", person=i, share=0.1) for i in range(10_000)]
    assert 800 < sum(draws) < 1200
    assert draws == [held_out(seed="s", rule="r", person=i, share=0.1) for i in range(10_000)]
    assert draws != [held_out(seed="t", rule="r", person=i, share=0.1) for i in range(10_000)]


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_learners(learning: Learning) -> None:
    from yachay.cohorts.tests.conftest import _enrol

    now = lima(10)
    _session_tomorrow(learning, now)
    rules = list(RULES.values())
    with CaptureQueriesContext(connection) as few:
        services.messages_evaluate(now=now, rules=rules)
    Message.objects.all().delete()
    for i in range(20, 45):
        _enrol(learning.live.cohort.call, i, "080101", learning.live.cohort, "Sumaq Quispe")
    with CaptureQueriesContext(connection) as many:
        summary = services.messages_evaluate(now=now, rules=rules)
    assert summary.rules["session-reminder-24h"]["queued"] == 28
    assert len(many) == len(few)


def test_the_periodic_task_evaluates_and_sends(learning: Learning) -> None:
    from django.utils import timezone

    session = _session_tomorrow(learning, timezone.now())
    tasks.evaluate_rules.call()
    made = Message.objects.filter(rule="session-reminder-24h", occurrence=f"session:{session.pk}")
    assert made.count() in (0, 3)  # none when the test runs in Lima's quiet hours
    assert not Message.objects.filter(status="queued").exists()  # the rest were sent
    assert SYSTEM
