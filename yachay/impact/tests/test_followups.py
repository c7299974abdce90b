"""Both arms of a band are invited to the follow-ups when due, with the applicants' wording,
once: the daily job is safe to run again."""

from __future__ import annotations

import datetime as dt

from yachay.core.models import AuditEvent
from yachay.impact import selectors, services, tasks
from yachay.impact.tests.conftest import publish_call
from yachay.programs.models import Call
from yachay.selection.models import SelectionRun
from yachay.surveys.models import Invitation
from yachay.surveys.services import surveys_import_all


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert services.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert services.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert services.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_both_arms_are_invited_when_due_and_only_once(lottery_run: SelectionRun) -> None:
    surveys_import_all()
    end = services.course_end(lottery_run)
    members = set(selectors.run_band(lottery_run).application_ids.tolist())
    assert members
    # Before three months: nobody.
    assert services.followups_invite(run=lottery_run, today=end + dt.timedelta(days=60)) == {}
    three = services.add_months(end, 3)
    made = services.followups_invite(run=lottery_run, today=three)
    assert made == {"followup_3m": len(members)}
    invited = Invitation.objects.filter(survey__slug="seguimiento-3m")
    assert set(invited.values_list("application_id", flat=True)) == members
    assert set(invited.values_list("wording", flat=True)) == {"applicant_followup"}
    # Admitted and waitlisted alike.
    admitted = set(lottery_run.admitted_ids)
    assert members & admitted and members - admitted
    # Again the same day, or the next: nothing new.
    assert services.followups_invite(run=lottery_run, today=three) == {}
    assert services.followups_invite(run=lottery_run, today=three + dt.timedelta(days=1)) == {}
    assert invited.count() == len(members)
    six = services.add_months(end, 6)
    assert services.followups_invite(run=lottery_run, today=six) == {"followup_6m": len(members)}
    assert AuditEvent.objects.filter(action="impact.followups_invite").count() == 2


def test_the_daily_job_invites_every_published_runs_band(lottery_run: SelectionRun) -> None:
    surveys_import_all()
    # The course ended long ago: both follow-ups are due.
    call = lottery_run.call
    call.closes_at = call.closes_at - dt.timedelta(days=400)
    call.opens_at = call.closes_at - dt.timedelta(days=30)
    call.save()
    done = tasks.invite_followups.call(reschedule=False)
    size = len(selectors.run_band(lottery_run).application_ids)
    assert done == {str(lottery_run.pk): {"followup_3m": size, "followup_6m": size}}
    assert tasks.invite_followups.call(reschedule=False) == {}


def test_a_run_without_a_band_invites_nobody(call: Call) -> None:
    surveys_import_all()
    run = publish_call(call, applicants=12, seats=20)
    far = services.add_months(services.course_end(run), 7)
    assert services.followups_invite(run=run, today=far) == {}
    assert not Invitation.objects.exists()
