"""Survey answers for the history call, so that the impact report has something true to show.

"Convocatoria 2026-II" (``demo.history``) was selected by a seeded lottery; its band is
recomputed from the published run (``impact.selectors.run_band``). This step gives:

1. **baseline** (``linea-base``): the surveys' demo (``demo.surveys``, the step before)
   invites every applicant and records the answers of about 65 %. This step reads them:
   a person's business at application is what they answered; what they did not say (no
   baseline, or an optional question left blank) is drawn from a generator seeded by
   their application's reference (not by their place in a list, so adding applicants to
   the history changes nobody else's). Applicants with no baseline invitation at all
   (the surveys' step not run) are invited here and 85 % answer from that generator;
2. **follow-ups** (``seguimiento-3m``, ``seguimiento-6m``): every member of the band, both
   arms, is invited with the applicants' wording, as ``impact.services.followups_invite``
   does when they fall due; the demo answers them ahead of time (the call's course has just
   ended), so that the report can be read now. Non-response is realistic and differs by
   arm: 3 months 65 % of the admitted and 50 % of the waitlisted answer; 6 months 55 % and
   42 % (missing at random within each arm);
3. **outcomes**, from each person's baseline business and whether they completed the course
   (the real completions of the history), with the **true effect of completing** stated in
   :data:`TRUE_EFFECTS`: the same random draws give each person's answer with and without
   completing, so the true average effect in the band is known exactly (returned, and
   quoted in docs/impact.md); ``employees`` has a true effect of zero.

Every answer goes through ``surveys.services.answer_submit`` (validated like the web form).
Run twice, it changes nothing: invitations are once per person and survey, and a submitted
survey is not answered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from random import Random
from typing import Any

from django.utils import timezone

from yachay.core.actors import SYSTEM, Actor
from yachay.impact import selectors
from yachay.impact.band import TREATMENT
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection.models import SelectionRun
from yachay.surveys import services as surveys
from yachay.surveys.models import Answer, Invitation, Survey

SEED = 16
BASELINE_RESPONSE = 0.85
#: Probability of answering each follow-up: (admitted, waitlisted).
RESPONSE = {"followup_3m": (0.65, 0.50), "followup_6m": (0.55, 0.42)}
#: The true effect of completing the course, on the scale it is generated on.
TRUE_EFFECTS = {
    "uses_ai": "+25 percentage points in the chance of using AI",
    "confidence_ai": "+0.9 on the 1-5 scale, before rounding and clipping",
    "digital_tools": "+1 tool",
    "monthly_sales_pen": "+10 % of the person's baseline sales",
    "customers_month": "+8 % of the person's baseline customers",
    "employees": "none (zero)",
}
SLUGS = {"baseline": "linea-base", **selectors.FOLLOWUPS}


@dataclass
class ImpactDemo:
    baseline_answered: int = 0
    invited: dict[str, int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    #: Per follow-up and outcome: the mean of (answer if completed - answer if not) over
    #: the band members who completed (the effect 2SLS estimates), exact from the generator.
    truth: dict[str, dict[str, float]] = field(default_factory=dict)
    band: int = 0


@dataclass(frozen=True)
class Business:
    """One person's business at application, drawn from their reference."""

    situacion: str
    employees: int
    sales: float
    customers: int
    digital_tools: int
    uses_ai: bool
    confidence: int
    antiguedad: str


def _rng(seed: int, reference: str, what: str) -> Random:
    digest = hashlib.sha256(f"{seed}:{what}:{reference}".encode()).digest()
    return Random(int.from_bytes(digest[:8], "big"))


def business_of(app: Application, seed: int = SEED) -> Business:
    r = _rng(seed, app.reference, "business")
    digital = app.digital_level or 2
    situacion = r.choices(
        ["negocio-propio", "trabajo-mype", "por-emprender", "otro"], [70, 15, 10, 5]
    )[0]
    running = situacion in ("negocio-propio", "trabajo-mype")
    employees = min(int(r.expovariate(1 / 2.5)), 60) if running else 0
    sales = round(r.lognormvariate(8.0, 0.8), -1) if running else 0.0
    customers = int(sales / r.uniform(20, 60)) if running else 0
    tools = max(0, min(50, int(r.gauss(1 + 0.8 * digital, 1.2))))
    uses_ai = r.random() < 0.08 + 0.06 * digital
    confidence = max(1, min(5, round(r.gauss(1.2 + 0.5 * digital, 0.8))))
    antiguedad = r.choices(["menos-1", "1-3", "3-10", "mas-10"], [20, 35, 30, 15])[0]
    return Business(situacion, employees, sales, customers, tools, uses_ai, confidence, antiguedad)


def business_from_answers(given: dict[str, Any], drawn: Business) -> Business:
    """The business as the person described it at baseline; what they left out, drawn."""

    def number(key: str, default: float) -> float:
        value = given.get(key)
        return float(value) if isinstance(value, int | float) else default

    return Business(
        situacion=str(given.get("situacion", drawn.situacion)),
        employees=int(number("employees", drawn.employees)),
        sales=number("monthly_sales_pen", drawn.sales),
        customers=int(number("customers_month", drawn.customers)),
        digital_tools=int(number("digital_tools", drawn.digital_tools)),
        uses_ai=given["uses_ai"] == "si" if "uses_ai" in given else drawn.uses_ai,
        confidence=int(number("confidence_ai", drawn.confidence)),
        antiguedad=str(given.get("antiguedad", drawn.antiguedad)),
    )


def baseline_answers(b: Business, r: Random) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "situacion": b.situacion,
        "employees": b.employees,
        "digital_tools": b.digital_tools,
        "uses_ai": "si" if b.uses_ai else "no",
        "confidence_ai": b.confidence,
    }
    if b.situacion in ("negocio-propio", "trabajo-mype"):
        answers["antiguedad"] = b.antiguedad
    if r.random() > 0.12:  # an optional question: some leave it blank
        answers["monthly_sales_pen"] = b.sales
    if r.random() > 0.2:
        answers["customers_month"] = b.customers
    if b.uses_ai:
        answers["ai_uses"] = r.sample(["textos", "imagenes", "clientes", "ideas"], r.randint(1, 2))
    return answers


def followup_outcomes(b: Business, r: Random, months: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answers if not completed, answers if completed) from the same draws."""
    trend = months / 6
    p_ai = min(0.95, 0.10 + 0.55 * b.uses_ai + 0.10 * trend)
    u_ai = r.random()
    conf_noise = r.gauss(0, 0.8)
    tools_noise = r.choice([-1, 0, 0, 0, 1])
    growth = r.gauss(0.03 * trend, 0.15)
    cust_growth = r.gauss(0.02 * trend, 0.12)
    hire = r.random() < 0.06 * (1 + trend)
    sales_blank = r.random() < 0.15
    cust_blank = r.random() < 0.2

    def one(completed: bool) -> dict[str, Any]:
        c = 1.0 if completed else 0.0
        uses = u_ai < min(0.98, p_ai + 0.25 * c)
        employees = b.employees + (1 if hire else 0)
        out: dict[str, Any] = {
            "uses_ai": "si" if uses else "no",
            "confidence_ai": max(1, min(5, round(b.confidence + 0.2 + 0.9 * c + conf_noise))),
            "digital_tools": max(0, min(50, b.digital_tools + tools_noise + int(c))),
            "employees": employees,
        }
        if b.sales and not sales_blank:
            out["monthly_sales_pen"] = round(max(0.0, b.sales * (1 + growth + 0.10 * c)), -1)
        if b.customers and not cust_blank:
            out["customers_month"] = max(0, round(b.customers * (1 + cust_growth + 0.08 * c)))
        return out

    return one(False), one(True)


def _numeric(answers: dict[str, Any], key: str) -> float | None:
    value = answers.get(key)
    if value is None:
        return None
    return selectors.numeric(key, value)


def _followup_form(outcome: dict[str, Any], b: Business, took: bool, r: Random) -> dict[str, Any]:
    """The rest of a follow-up's required answers, consistent with the outcome."""
    answers = dict(outcome)
    answers["took_course"] = "si" if took else "no"
    answers["new_hires"] = max(0, outcome["employees"] - b.employees)
    sales = outcome.get("monthly_sales_pen")
    answers["sales_vs_before"] = (
        "no-se" if sales is None else "mas" if sales > b.sales * 1.05 else
        "menos" if sales < b.sales * 0.95 else "igual"
    )  # fmt: skip
    customers = outcome.get("customers_month")
    answers["customers_vs_before"] = (
        "no-se" if customers is None else "mas" if customers > b.customers * 1.05 else
        "menos" if customers < b.customers * 0.95 else "igual"
    )  # fmt: skip
    if outcome["uses_ai"] == "si":
        answers["ai_uses"] = r.sample(["textos", "imagenes", "clientes", "ideas", "cuentas"], 2)
    if took:
        answers["recommend"] = r.choice([4, 5, 5])
    return answers


def _answer(invitation: Invitation, answers: dict[str, Any], when: dt.datetime) -> bool:
    if invitation.submitted_at is not None:
        return False
    try:
        surveys.answer_submit(invitation, answers, now=when)
    except surveys.AnswerRefused:
        return False  # already submitted elsewhere, or closed: leave it as it is
    return True


def demo_impact_load(
    *, call: Call, seed: int = SEED, actor: Actor = SYSTEM, now: dt.datetime | None = None
) -> ImpactDemo:
    """Baseline and follow-up answers for ``call`` (the history; see the module)."""
    now = now or timezone.now()
    result = ImpactDemo()
    if Survey.objects.filter(slug__in=SLUGS.values()).count() != len(SLUGS):
        surveys.surveys_import_all(actor=actor)
    apps = list(Application.objects.filter(call=call).order_by("reference"))
    drawn = {a.pk: business_of(a, seed) for a in apps}
    invited_before = set(
        Invitation.objects.filter(
            survey__slug=SLUGS["baseline"], application__call=call
        ).values_list("application_id", flat=True)
    )
    for app in apps:
        if app.pk in invited_before:
            continue  # the surveys' demo invited them: their answer (or silence) stands
        r = _rng(seed, app.reference, "baseline")
        when = app.created_at + dt.timedelta(minutes=5)
        inv = surveys.invite(app, SLUGS["baseline"], send=False, now=when, actor=actor)
        if r.random() < BASELINE_RESPONSE:
            result.baseline_answered += _answer(
                inv, baseline_answers(drawn[app.pk], r), when + dt.timedelta(minutes=3)
            )
    given: dict[int, dict[str, Any]] = {}
    for app_id, question, number, text in Answer.objects.filter(
        invitation__survey__slug=SLUGS["baseline"],
        invitation__submitted_at__isnull=False,
        invitation__application__call=call,
    ).values_list("invitation__application_id", "question", "number", "text"):
        given.setdefault(app_id, {})[question] = number if number is not None else text
    businesses = {pk: business_from_answers(given.get(pk, {}), b) for pk, b in drawn.items()}
    run = SelectionRun.objects.filter(call=call, state=SelectionRun.State.PUBLISHED).first()
    if run is None:
        return result
    rb = selectors.run_band(run)
    if not rb.ok or rb.band is None:
        return result
    result.band = len(rb.application_ids)
    by_pk = {a.pk: a for a in apps}
    arm = {m.id: m.arm for m in rb.band.members}
    for kind, slug in selectors.FOLLOWUPS.items():
        months = selectors.FOLLOWUP_MONTHS[kind]
        gaps: dict[str, list[float]] = {q: [] for q in selectors.OUTCOMES}
        invited = answered = 0
        for k, app_id in enumerate(rb.application_ids.tolist()):
            app = by_pk[app_id]
            b = businesses[app_id]
            r = _rng(seed, app.reference, kind)
            completed = bool(rb.completed[k])
            without, with_course = followup_outcomes(b, r, months)
            if completed:
                for q in selectors.OUTCOMES:
                    a, c = _numeric(without, q), _numeric(with_course, q)
                    if a is not None and c is not None:
                        gaps[q].append(c - a)
            inv = surveys.invite(
                app,
                slug,
                wording=Invitation.Wording.APPLICANT_FOLLOWUP,
                send=False,
                now=now,
                actor=actor,
            )
            invited += 1
            treated = arm.get(app_id, arm.get(str(app_id))) == TREATMENT
            p_t, p_c = RESPONSE[kind]
            if r.random() < (p_t if treated else p_c):
                took = completed or (treated and r.random() < 0.3)
                answers = _followup_form(with_course if completed else without, b, took, r)
                answered += _answer(inv, answers, now)
        result.invited[kind] = invited
        result.answered[kind] = answered
        result.truth[kind] = {q: (sum(v) / len(v) if v else 0.0) for q, v in gaps.items()}
    return result
