"""Reads for selection: an application's decision in words, run summaries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils import formats
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yachay.core import ubigeo
from yachay.core.choices import Segment
from yachay.core.numbers import grouped
from yachay.core.text import spanish_sort_key
from yachay.intake.models import Application
from yachay.intake.selectors import RECEIVED_TEXT
from yachay.programs.models import Call, Target
from yachay.selection.eligibility import RULE_MESSAGES
from yachay.selection.models import CRITERIA, Decision, Offer, SelectionPolicy, SelectionRun


@dataclass(frozen=True)
class Explanation:
    # pending | ineligible | waitlisted | admitted | accepted | declined | expired | enrolled
    outcome: str
    position: int | None
    text: str
    reasons: list[str]
    # An admitted applicant with an open offer: where to answer it, and by when.
    offer_url: str = ""
    offer_expires_at: dt.datetime | None = None


OFFER_SALT = "yachay.selection.offer"


def offer_token(offer: Offer) -> str:
    """The signed token in the offer's links; the offer's own dates decide if it is valid."""
    return signing.dumps({"offer": offer.pk}, salt=OFFER_SALT, compress=True)


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


def application_for_status(call: Call, *, dni: str, reference: str) -> Application | None:
    """Both must match: the reference alone is not enough to read a status."""
    return (
        Application.objects.filter(call=call, dni=dni, reference=reference.upper())
        .select_related("call", "decision__run", "decision__offer")
        .first()
    )


def explain(app: Application) -> Explanation:
    """What the applicant (and their coordinator) reads about their application.

    It follows the application's fate, offer included: someone who declined, or whose
    offer expired, is never told they have a place.
    """
    decision: Decision | None = getattr(app, "decision", None)
    if decision is None or decision.run.state != SelectionRun.State.PUBLISHED:
        if app.status == Application.Status.ENROLLED:
            return Explanation("enrolled", None, _("You are enrolled in a cohort."), [])
        return Explanation("pending", None, str(RECEIVED_TEXT), [])
    if decision.outcome == Decision.Outcome.ADMITTED:
        offer: Offer | None = getattr(decision, "offer", None)
        state = offer.state if offer is not None else Offer.State.PENDING
        if state == Offer.State.PENDING and offer is not None and offer.expires_at <= now():
            state = Offer.State.EXPIRED  # past its deadline; the worker marks it soon
        if state == Offer.State.DECLINED:
            return Explanation(
                "declined",
                None,
                _("You declined your place; it went to the next person on the waiting list."),
                [],
            )
        if state == Offer.State.EXPIRED:
            return Explanation(
                "expired",
                None,
                _(
                    "Your offer expired without an answer; the place went to the next person "
                    "on the waiting list."
                ),
                [],
            )
        if state == Offer.State.ACCEPTED:
            if app.status == Application.Status.ENROLLED:
                return Explanation(
                    "enrolled",
                    None,
                    _("You are enrolled in a cohort. Sign in to Mi cuenta to see it."),
                    [],
                )
            return Explanation(
                "accepted",
                None,
                _(
                    "You accepted your place. We will email you your cohort and its schedule; "
                    "sign in to Mi cuenta with the link we sent you."
                ),
                [],
            )
        assert offer is not None
        return Explanation(
            "admitted",
            None,
            _("You have a place in the program. Accept or decline it before the deadline."),
            [],
            offer_url=reverse("selection:offer", args=[offer_token(offer)]),
            offer_expires_at=offer.expires_at,
        )
    if decision.outcome == Decision.Outcome.WAITLISTED:
        total = decision.run.decisions.filter(outcome=Decision.Outcome.WAITLISTED).count()
        return Explanation(
            "waitlisted",
            decision.position,
            _(
                "The places for your group were filled by applicants with a higher priority or "
                "needed to meet the published targets; you are at position %(n)s of %(total)s on "
                "the waiting list. When a place is freed, it goes to the first person on the list "
                "whose admission keeps the targets."
            )
            % {"n": grouped(decision.position or 0), "total": grouped(total)},
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


def target_of(row: dict[str, Any]) -> Target:
    """A target as a run stored it (its table of targets, JSON)."""
    return Target(
        kind=row["kind"],
        measure=row["measure"],
        amount=Decimal(str(row["amount"])),
        dimension=row["dimension"],
        value=row["value"],
    )


def target_description(row: dict[str, Any]) -> str:
    """A stored target row as a sentence in the reader's language: "al menos 50% mujer"."""
    return str(target_of(row))


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


# The run's review page -----------------------------------------------------------------------

RULE_LABELS = {
    "age": gettext_lazy("age outside the call's range"),
    "segment": gettext_lazy("segment not open in this call"),
    "ruc": gettext_lazy("no RUC where the segment needs one"),
    "consent": gettext_lazy("no consent recorded"),
    "ubigeo": gettext_lazy("a place that does not exist"),
    "already_admitted": gettext_lazy("already has a place through another call"),
}

STATUS_LABELS = {
    "optimal": gettext_lazy("every target met; total priority as high as possible"),
    "closest_feasible": gettext_lazy(
        "the targets cannot all be met: the closest selection (least total shortfall)"
    ),
    "infeasible": gettext_lazy("the targets cannot all be met: no selection"),
    "heuristic": gettext_lazy("approximate (the solver did not prove optimality)"),
}


def run_status_text(run: SelectionRun) -> str:
    if run.state == SelectionRun.State.FAILED:
        return _("failed: %(error)s") % {"error": run.error or "—"}
    if run.state == SelectionRun.State.RUNNING:
        return _("running")
    return str(STATUS_LABELS.get(run.status, run.status or "—"))


def seconds_text(seconds: float | None) -> str:
    """Solve time as a person reads it: "1,3 s", "0,02 s"."""
    if seconds is None:
        return "—"
    digits = 1 if seconds >= 1 else 2
    return f"{formats.number_format(round(seconds, digits), digits)}\u00a0s"


def percent_text(value: float) -> str:
    return f"{formats.number_format(round(value, 1), 1)}\u00a0%"


def policy_text(policy: dict[str, Any], mode: str) -> list[tuple[str, str]]:
    """The run's policy as label/value pairs in words (never the stored JSON)."""
    kind = policy.get("kind", "")
    kinds = dict(SelectionPolicy.Kind.choices)
    modes = dict(SelectionPolicy.Mode.choices)
    rows = [(_("Priority"), str(kinds.get(kind, kind)))]
    if kind == SelectionPolicy.Kind.SCORE:
        weights = policy.get("weights") or {}
        weighed = [f"{CRITERIA[c]}: {w}" for c, w in weights.items() if c in CRITERIA and w] or [
            _("no criterion has a weight")
        ]
        rows.append((_("Criteria weights"), "; ".join(str(x) for x in weighed)))
    rows.append((_("Targets"), str(modes.get(mode, mode))))
    if policy.get("offer_days"):
        rows.append((_("Days to accept an offer"), grouped(int(policy["offer_days"]))))
    return rows


@dataclass(frozen=True)
class TargetLine:
    group: str  # "mujer", "resto del Perú", "Cusco"
    wanted: str  # "al menos 50 %" or "al menos 1 000 personas"
    achieved: str  # "51,2 % (1 024 personas)"
    eligible: str
    met: bool
    shortfall: int


@dataclass(frozen=True)
class Comparison:
    previous_id: int
    entering: int  # admitted now, not in the previous dry run
    leaving: int  # admitted then, not now
    targets: list[tuple[str, str, str]]  # group + wanted, then, now


@dataclass(frozen=True)
class RunReview:
    run: SelectionRun
    status_text: str
    publishable: bool
    admitted: int
    waitlisted: int
    ineligible: int
    emails: int
    already_placed: int
    seconds: str
    started_by: str
    policy: list[tuple[str, str]]
    targets: list[TargetLine]
    shortfalls: list[str]
    departments: list[tuple[str, str, str]]  # name, eligible, admitted
    ineligible_rules: list[tuple[str, str]]  # rule in words, how many
    previous: Comparison | None

    @property
    def figures(self) -> dict[str, str]:
        """The counts as a Peruvian reader writes them: "1 000"."""
        counts = {
            "admitted": self.admitted,
            "waitlisted": self.waitlisted,
            "ineligible": self.ineligible,
            "emails": self.emails,
        }
        return {k: grouped(v) for k, v in counts.items()}


def target_line(row: dict[str, Any], admit_count: int) -> TargetLine:
    target = target_of(row)
    amount = formats.number_format(target.amount.normalize(), force_grouping=True)
    if target.measure == Target.Measure.SHARE:
        wanted = f"{target.get_kind_display()} {amount}\u00a0%"
    else:
        wanted = _("%(kind)s %(n)s people") % {"kind": target.get_kind_display(), "n": amount}
    admitted = int(row["admitted"])
    share = 100 * admitted / admit_count if admit_count else 0.0
    achieved = _("%(share)s (%(n)s people)") % {
        "share": percent_text(share),
        "n": grouped(admitted),
    }
    return TargetLine(
        group=target.group_label,
        wanted=wanted,
        achieved=achieved,
        eligible=grouped(int(row["eligible"])),
        met=bool(row["met"]),
        shortfall=int(row["shortfall"]),
    )


def _previous_dry_run(run: SelectionRun) -> SelectionRun | None:
    return (
        SelectionRun.objects.filter(
            call_id=run.call_id,
            state=SelectionRun.State.DRY_RUN,
            pk__lt=run.pk,
            status__in=["optimal", "closest_feasible"],
        )
        .defer("problem", "ineligible")
        .order_by("-pk")
        .first()
    )


def run_review(run: SelectionRun) -> RunReview:
    """Everything a program admin reads before publishing a dry run, in words."""
    # Who already holds a place (accepted or enrolled before this selection) gets no email.
    placed = set(
        Application.objects.filter(
            call_id=run.call_id,
            status__in=[Application.Status.ACCEPTED, Application.Status.ENROLLED],
        ).values_list("pk", flat=True)
    )
    admitted = len(run.admitted_ids)
    placed_admitted = len(placed & set(run.admitted_ids))
    departments = ubigeo.places().departments
    counts = Counter(code for rules in (run.ineligible or {}).values() for code in rules)
    previous = _previous_dry_run(run) if run.state == SelectionRun.State.DRY_RUN else None
    comparison = None
    if previous is not None:
        now_set, then_set = set(run.admitted_ids), set(previous.admitted_ids)
        then_rows = {str(t["target_id"]): t for t in previous.targets}
        lines = []
        for row in run.targets:
            old = then_rows.get(str(row["target_id"]))
            line = target_line(row, run.admit_count)
            before = target_line(old, previous.admit_count).achieved if old else "—"
            if before != line.achieved:
                lines.append((f"{line.group}: {line.wanted}", before, line.achieved))
        comparison = Comparison(
            previous_id=previous.pk,
            entering=len(now_set - then_set),
            leaving=len(then_set - now_set),
            targets=lines,
        )
    user = run.created_by
    started_by = (user.get_full_name() or user.get_username()) if user else _("the system")
    return RunReview(
        run=run,
        status_text=run_status_text(run),
        publishable=run.state == SelectionRun.State.DRY_RUN
        and run.status in ("optimal", "closest_feasible"),
        admitted=admitted,
        waitlisted=len(run.waitlist_ids),
        ineligible=len(run.ineligible or {}),
        emails=admitted - placed_admitted,
        already_placed=placed_admitted,
        seconds=seconds_text(run.solve_seconds),
        started_by=str(started_by),
        policy=policy_text(run.policy or {}, run.mode),
        targets=[target_line(row, run.admit_count) for row in run.targets],
        shortfalls=[shortfall_text(s, run.targets) for s in run.shortfalls],
        departments=sorted(
            (
                (
                    departments.get(code, code),
                    grouped(c["eligible"]),
                    grouped(c["admitted"]),
                )
                for code, c in (run.departments or {}).items()
            ),
            key=lambda row: spanish_sort_key(row[0]),
        ),
        ineligible_rules=[
            (str(RULE_LABELS.get(code, code)), grouped(n)) for code, n in counts.most_common()
        ],
        previous=comparison,
    )


def calls_runs(call: Call) -> list[SelectionRun]:
    return list(
        SelectionRun.objects.filter(call=call)
        .defer("problem", "ineligible", "admitted_ids", "waitlist_ids")
        .select_related("created_by")
        .order_by("-pk")[:20]
    )
