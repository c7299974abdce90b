"""Every write of impact: inviting a run's band to the follow-up surveys.

Both arms get the same survey with the same wording, ``applicant_followup`` ("seguimiento
de postulantes"): a text that never mentions the study, the lottery or which group a person
is in, so that the invitation itself does not make the two arms answer differently.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yachay.cohorts.models import Cohort
from yachay.core.actors import SYSTEM, Actor
from yachay.core.dates import add_months
from yachay.core.services import audit_record
from yachay.impact import selectors
from yachay.intake.models import Application
from yachay.selection.models import SelectionRun
from yachay.surveys import selectors as survey_selectors
from yachay.surveys import services as surveys
from yachay.surveys.models import Invitation


def course_end(run: SelectionRun) -> dt.date:
    """When the run's course ended: its call's last cohort, else the call's nominal length."""
    last = Cohort.objects.filter(call_id=run.call_id).aggregate(end=Max("ends_on"))["end"]
    if last is not None:
        return last
    closes = timezone.localtime(run.call.closes_at).date()
    return closes + dt.timedelta(weeks=run.call.length_weeks)


def followup_due(run: SelectionRun, kind: str) -> dt.date:
    return add_months(course_end(run), selectors.FOLLOWUP_MONTHS[kind])


def followups_invite(
    *, run: SelectionRun, actor: Actor = SYSTEM, today: dt.date | None = None
) -> dict[str, int]:
    """Invite every member of the run's band (both arms) to each follow-up that is due.

    Idempotent: who already has an invitation to that survey is skipped (and ``invite`` is
    itself idempotent per person and survey), so running it daily sends each person each
    follow-up once. Returns the number of new invitations per survey kind. A run without a
    band invites nobody.
    """
    today = today or timezone.localdate()
    members = selectors.band_members_for_invitation(run)
    made: dict[str, int] = {}
    if not members:
        return made
    for kind, slug in selectors.FOLLOWUPS.items():
        if today < followup_due(run, kind):
            continue
        already = set(
            survey_selectors.invitations(kind, members).values_list("application_id", flat=True)
        )
        todo = [a for a in members if a not in already]
        if not todo:
            continue
        with transaction.atomic():
            apps = Application.objects.filter(pk__in=todo).order_by("pk")
            invitations = surveys.invite_many(
                apps, slug, wording=Invitation.Wording.APPLICANT_FOLLOWUP, actor=actor
            )
            made[kind] = len(invitations)
            audit_record(
                actor=actor,
                action="impact.followups_invite",
                obj=run,
                changes={"survey": slug, "invited": len(invitations)},
            )
    return made
