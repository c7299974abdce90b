"""Invitations: made once per person × survey, sent through engagement's messages (kind
"surveys"), outside quiet hours, never to a person who objected; the link's secret is put in
at the moment of sending and never stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from yachay.core.actors import SYSTEM
from yachay.core.dates import add_months
from yachay.core.objections import Purpose
from yachay.core.services import objection_record
from yachay.engagement.models import Message
from yachay.engagement.services import messages_send
from yachay.learning.signals import enrollment_completed
from yachay.surveys import services
from yachay.surveys.models import Invitation
from yachay.surveys.selectors import response_counts, token_hash
from yachay.surveys.tests.conftest import LIMA, NIGHT, NOON, Live


def _messages(rule: str = "survey:linea-base") -> list[Message]:
    return list(Message.objects.filter(rule=rule))


def test_an_invitation_is_made_once_and_its_message_once(live: Live, surveys: Any) -> None:
    application = live.enrollments[0].application
    first = services.invite(application, "linea-base", now=NOON)
    again = services.invite(application, "linea-base", now=NOON + dt.timedelta(hours=1))
    assert first.pk == again.pk and Invitation.objects.count() == 1
    (message,) = _messages()
    assert message.kind == "surveys" and message.status == Message.Status.QUEUED
    assert message.occurrence == str(first.survey_id)
    first.refresh_from_db()
    assert first.sent_at == NOON and first.closes_at == NOON + dt.timedelta(days=45)
    assert services.invitations_send(now=NOON + dt.timedelta(hours=2)) == 0
    assert len(_messages()) == 1


def test_the_secret_link_is_put_in_when_sending_and_never_stored(
    live: Live, surveys: Any, client: Client
) -> None:
    application = live.enrollments[0].application
    invitation = services.invite(application, "linea-base", now=NOON)
    token = services.token_for(invitation.survey_id, application.pk)
    (message,) = _messages()
    assert token not in message.body and "[[link]]" in message.body
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
    mail.outbox.clear()
    messages_send(message_ids=[message.pk])
    (sent,) = mail.outbox
    assert f"/encuestas/{token}/" in sent.body and "[[link]]" not in sent.body
    assert "Tu punto de partida" not in sent.subject and "punto de partida" in sent.subject
    assert client.get(f"/encuestas/{token}/").status_code == 200


def test_a_person_who_objected_to_surveys_gets_no_message(live: Live, surveys: Any) -> None:
    application = live.enrollments[1].application
    objection_record(email=application.email.upper(), purpose=Purpose.SURVEYS, actor=SYSTEM)
    invitation = services.invite(application, "linea-base", now=NOON)
    (message,) = _messages()
    assert message.status == Message.Status.SUPPRESSED
    assert message.reason == Message.Reason.OBJECTED and message.body == ""
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    # Later runs do not try again.
    services.invitations_send(now=NOON + dt.timedelta(hours=3))
    assert len(_messages()) == 1 and response_counts("baseline")["sent"] == 0


def test_an_objection_to_reminders_only_does_not_stop_surveys(live: Live, surveys: Any) -> None:
    application = live.enrollments[1].application
    objection_record(email=application.email, purpose=Purpose.REMINDERS, actor=SYSTEM)
    services.invite(application, "linea-base", now=NOON)
    assert _messages()[0].status == Message.Status.QUEUED


def test_nothing_is_sent_in_quiet_hours_and_the_next_run_sends_it(live: Live, surveys: Any) -> None:
    application = live.enrollments[0].application
    services.invite(application, "linea-base", now=NIGHT)
    assert _messages() == []
    assert services.invitations_send(now=NIGHT + dt.timedelta(hours=1)) == 0
    morning = NIGHT + dt.timedelta(hours=10)  # 09:00 the next day
    assert services.invitations_send(now=morning) == 1
    assert len(_messages()) == 1


def test_the_periodic_job_invites_whoever_is_due_once(live: Live, surveys: Any) -> None:
    today = timezone.localdate()
    at = dt.datetime.combine(today, dt.time(12, 0), tzinfo=LIMA)
    made = services.invitations_due(now=at)
    assert made["baseline"] == 4  # every application of the call
    assert made["sent"] == 4
    again = services.invitations_due(now=at + dt.timedelta(minutes=30))
    assert again["baseline"] == 0 and again["sent"] == 0
    # The cohorts end today: the follow-ups are due 3 and 6 months later.
    later = dt.datetime.combine(add_months(today, 3), dt.time(10, 0), tzinfo=LIMA)
    made = services.invitations_due(now=later)
    assert made["followup_3m"] == 4 and made.get("followup_6m", 0) == 0
    assert made["end_of_course"] == 0  # ended more than 60 days before
    assert services.invitations_due(now=later)["followup_3m"] == 0
    wordings = set(
        Invitation.objects.filter(survey__kind="followup_3m").values_list("wording", flat=True)
    )
    # The words the impact study's control arm gets: both arms are asked the same way.
    assert wordings == {"applicant_followup"}


def test_a_calls_learners_are_followed_up_together_after_its_last_cohort(
    live: Live, surveys: Any
) -> None:
    """A cohort that ended early does not bring its learners' follow-up forward: the call's
    learners are asked together, 3 months after its last cohort ended, the day the impact
    study asks the applicants who were not admitted."""
    today = timezone.localdate()
    early = live.enrollments[0].cohort
    assert early is not None
    cohorts = type(early).objects.filter(call_id=early.call_id)
    cohorts.update(ends_on=today)
    type(early).objects.filter(pk=early.pk).update(ends_on=today - dt.timedelta(days=30))
    at_early = dt.datetime.combine(
        add_months(today - dt.timedelta(days=30), 3), dt.time(10, 0), tzinfo=LIMA
    )
    assert services.invitations_due(now=at_early).get("followup_3m", 0) == 0
    at_last = dt.datetime.combine(add_months(today, 3), dt.time(10, 0), tzinfo=LIMA)
    assert services.invitations_due(now=at_last)["followup_3m"] == 4


def test_a_completed_enrollment_is_invited_to_the_end_of_course_survey(
    live: Live, surveys: Any
) -> None:
    enrollment = live.enrollments[2]
    enrollment_completed.send(sender=None, enrollment_id=enrollment.pk)
    enrollment_completed.send(sender=None, enrollment_id=enrollment.pk)  # twice: once
    invitations = Invitation.objects.filter(survey__kind="end_of_course")
    assert [i.application_id for i in invitations] == [enrollment.application_id]


@pytest.mark.parametrize("slug", ["seguimiento-3m", "seguimiento-6m"])
def test_the_control_arm_wording_does_not_reveal_the_study(
    live: Live, surveys: Any, slug: str
) -> None:
    application = live.enrollments[0].application
    services.invite(application, slug, wording="applicant_followup", now=NOON)
    (message,) = _messages(f"survey:{slug}")
    text = (message.subject + " " + message.body).lower()
    assert "seguimiento de postulantes" in text
    for word in (
        "sorteo",
        "lotería",
        "estudio",
        "impacto",
        "control",
        "tratamiento",
        "experimento",
        "admitid",
        "no fuiste",
        "aleatori",
    ):
        assert word not in text, word
    # Neither does the survey's page.
    token = services.token_for(
        message.application.survey_invitations.get().survey_id, application.pk
    )
    body = Client().get(f"/encuestas/{token}/").content.decode().lower()
    for word in ("sorteo", "estudio de impacto", "grupo de control", "aleatori"):
        assert word not in body, word


def test_an_unknown_wording_is_refused(live: Live, surveys: Any) -> None:
    with pytest.raises(ValueError):
        services.invite(live.enrollments[0].application, "linea-base", wording="lottery")


def test_staff_read_a_survey_invitation_in_the_persons_messages_in_words(
    live: Live, surveys: Any, client: Client, users: Any
) -> None:
    application = live.enrollments[0].application
    services.invite(application, "linea-base", now=NOON)
    client.force_login(users["admin"])
    body = client.get(f"/personas/{application.pk}/mensajes/").content.decode()
    assert "Invitaciones a responder una encuesta" in body
    assert "survey:linea-base" not in body
