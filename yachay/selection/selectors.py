"""Reads for selection: an application's decision in words, run summaries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yachay.core.choices import Segment
from yachay.intake.models import Application
from yachay.programs.models import Call, Target
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


ISSUE_MESSAGES = {
    "no_seats": gettext_lazy("There are no seats to allocate."),
    "no_candidates": gettext_lazy("There is no eligible applicant."),
    "share_above_100": gettext_lazy("A target's share is above 100%."),
    "negative_amount": gettext_lazy("A target's amount is negative."),
    "count_not_whole": gettext_lazy("A target counting people must be a whole number."),
    "duplicate_target": gettext_lazy("A target appears twice."),
}


def issue_text(code: str, fallback: str) -> str:
    """An allocation input problem in the reader's language (English if not yet translated)."""
    message = ISSUE_MESSAGES.get(code)
    return str(message) if message else fallback


SHORTFALL_MESSAGES = {
    "not_enough_candidates": gettext_lazy(
        "%(targets)s: %(required)s needed; only %(available)s eligible."
    ),
    "min_above_max": gettext_lazy(
        "%(targets)s: the minimum (%(required)s) is above the maximum (%(available)s)."
    ),
    "floors_exceed_seats": gettext_lazy(
        "%(targets)s: the minimums add up to %(required)s, with only %(available)s places."
    ),
    "ceilings_below_seats": gettext_lazy(
        "%(targets)s: the maximums leave %(available)s places for %(required)s seats."
    ),
}


def target_description(row: dict[str, Any]) -> str:
    """A stored target row as a sentence in the reader's language: "al menos 50% mujer"."""
    target = Target(
        kind=row["kind"],
        measure=row["measure"],
        amount=Decimal(str(row["amount"])),
        dimension=row["dimension"],
        value=row["value"],
    )
    return str(target)


def shortfall_text(shortfall: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    """Why targets cannot be met and by how much, in the reader's language."""
    labels = {str(t["target_id"]): target_description(t) for t in targets}
    names = "; ".join(labels.get(str(i), str(i)) for i in shortfall.get("target_ids", []))
    required, available = int(shortfall["required"]), int(shortfall["available"])
    params = {"targets": names, "required": required, "available": available}
    reason = (
        "floors_exceed_seats"
        if shortfall.get("reason") == "above_seats"
        else shortfall.get("reason")
    )
    template = SHORTFALL_MESSAGES.get(str(reason))
    if template is not None:
        return str(template) % params
    return _("%(targets)s: short by %(n)s together (the targets overlap).") % {
        "targets": names,
        "n": required - available,
    }
