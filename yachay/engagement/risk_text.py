"""The at-risk signal in words, in the reader's language: reasons are stored as codes with
numbers (``{"code": "inactive", "days": 9}``) and rendered here at display time."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from yachay.engagement.models import RiskAction


def reason_text(reason: dict[str, Any]) -> str:
    code = reason.get("code")
    if code == "inactive":
        days = int(reason.get("days", 0))
        return ngettext("no activity for %(days)s day", "no activity for %(days)s days", days) % {
            "days": days
        }
    if code == "missed":
        held = int(reason.get("held", 0))
        return ngettext(
            "missed %(missed)s of %(held)s session", "missed %(missed)s of %(held)s sessions", held
        ) % {"missed": reason.get("missed", 0), "held": held}
    if code == "behind":
        return _("%(done)s lessons done; the cohort's median is %(median)s") % {
            "done": reason.get("done", 0),
            "median": number_format(reason.get("median", 0)),
        }
    if code == "quiz_low":
        return _("quizzes at %(score)s %% on average") % {"score": reason.get("score", 0)}
    if code == "retries":
        return _("%(attempts)s attempts at %(quizzes)s quizzes") % {
            "attempts": reason.get("attempts", 0),
            "quizzes": reason.get("quizzes", 0),
        }
    if code == "accepted_late":
        days = int(reason.get("days", 0))
        return ngettext(
            "accepted the place %(days)s day after the offer",
            "accepted the place %(days)s days after the offer",
            days,
        ) % {"days": days}
    if code == "virtual":
        return _("virtual cohort")
    return _("another reason")


def reasons_text(reasons: list[dict[str, Any]]) -> str:
    return "; ".join(reason_text(r) for r in reasons) if reasons else _("no particular reason")


SUGGESTIONS = {
    RiskAction.Kind.CALL: pgettext_lazy("suggested action", "call"),
    RiskAction.Kind.MESSAGE: pgettext_lazy("suggested action", "send a message"),
    RiskAction.Kind.HELP: pgettext_lazy("suggested action", "offer help"),
}


def suggestion_text(kind: str) -> str:
    return str(SUGGESTIONS.get(RiskAction.Kind(kind), kind))


#: The action form's choices, in the first person ("I called").
FORM_KINDS = [
    (RiskAction.Kind.CALL.value, pgettext_lazy("I did", "I called")),
    (RiskAction.Kind.MESSAGE.value, pgettext_lazy("I did", "I sent a message")),
    (RiskAction.Kind.HELP.value, pgettext_lazy("I did", "I offered help")),
]

MISSED = {
    "no_data": gettext_lazy(
        "there is not enough data from finished cohorts to train it (learners who completed "
        "and learners who did not are both needed)"
    ),
    "too_few": gettext_lazy("too few learners (or too few of one outcome) in the evaluation"),
    "auc": gettext_lazy("its mean AUC is below 0.70"),
    "sd": gettext_lazy("its AUC varies by more than 0.05 between runs"),
    "calibration": gettext_lazy("its probabilities are no better than the base rate (Brier score)"),
}

GROUP_WHY = {
    "too_few": gettext_lazy("too few learners to judge: the rule is used"),
    "below_bar": gettext_lazy("AUC below 0.70: the rule is used"),
    "gap": gettext_lazy("more than 0.10 below the overall AUC: the rule is used"),
}

FEATURE_TEXT = {
    "days_inactive": gettext_lazy("days since the last activity"),
    "lessons_vs_median": gettext_lazy("lessons done minus the cohort's median"),
    "attendance_share": gettext_lazy("share of the sessions held that they attended"),
    "sessions_missed": gettext_lazy("sessions missed"),
    "quiz_score": gettext_lazy("average quiz score (0 to 1)"),
    "quiz_retries": gettext_lazy("extra attempts per quiz"),
    "accept_days": gettext_lazy("days from the offer to accepting it"),
    "virtual": gettext_lazy("virtual cohort (1) or in person (0)"),
}


def group_text(kind: str, group: str) -> str:
    names = {
        ("gender", "female"): _("women"),
        ("gender", "male"): _("men"),
        ("gender", "other"): _("other gender"),
        ("gender", "undisclosed"): _("gender not stated"),
        ("gender", "unknown"): _("gender not stated"),
        ("place", "lima"): _("Lima Metropolitana and Callao"),
        ("place", "regions"): _("the regions"),
    }
    return str(names.get((kind, group), group))
