"""Reads for selection: an application's decision in words, run summaries."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from yachay.core.choices import Segment
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection.eligibility import RULE_MESSAGES
from yachay.selection.models import Decision, SelectionRun


@dataclass(frozen=True)
class Explanation:
    outcome: str  # admitted | waitlisted | ineligible | pending
    position: int | None
    text: str
    reasons: list[str]


def rule_text(code: str, app: Application) -> str:
    message = RULE_MESSAGES.get(code, code)
    params = {
        "min": app.call.min_age,
        "max": app.call.max_age,
        "segment": str(Segment(app.segment).label)
        if app.segment in Segment.values
        else app.segment,
        "ubigeo": app.ubigeo,
    }
    return str(message) % params if "%(" in str(message) else str(message)


def explain(app: Application) -> Explanation:
    """What the applicant (and their coordinator) reads about their application."""
    decision: Decision | None = getattr(app, "decision", None)
    if decision is None or decision.run.state != SelectionRun.State.PUBLISHED:
        return Explanation(
            "pending",
            None,
            _(
                "Your application is received. Places are assigned by the published rules "
                "after the call closes."
            ),
            [],
        )
    if decision.outcome == Decision.Outcome.ADMITTED:
        return Explanation("admitted", None, _("You have a place in the program."), [])
    if decision.outcome == Decision.Outcome.WAITLISTED:
        total = decision.run.decisions.filter(outcome=Decision.Outcome.WAITLISTED).count()
        return Explanation(
            "waitlisted",
            decision.position,
            _(
                "The places for your group were filled by applicants with a higher priority or "
                "needed to meet the published targets; you are at position %(n)d of %(total)d on "
                "the waiting list. When a place is freed, it goes to the first person on the list "
                "whose admission keeps the targets."
            )
            % {"n": decision.position or 0, "total": total},
            [],
        )
    reasons = [rule_text(code, app) for code in decision.rules]
    return Explanation(
        "ineligible", None, _("Your application does not meet this call's conditions."), reasons
    )


def published_run(call: Call) -> SelectionRun | None:
    return SelectionRun.objects.filter(call=call, state=SelectionRun.State.PUBLISHED).first()
