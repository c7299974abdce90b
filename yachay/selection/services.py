"""Selection: dry runs, publishing. Loads and saves around the pure ``allocation`` module."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yachay.accounts.services import login_link_queue
from yachay.core import dates, ubigeo
from yachay.core.actors import Actor
from yachay.core.services import audit_record, email_send_once
from yachay.intake.models import Application
from yachay.intake.services import applications_status_set
from yachay.programs.models import Call
from yachay.selection import allocation, tasks
from yachay.selection.eligibility import ApplicantFacts, CallRules, failed_rules
from yachay.selection.models import CRITERIA, Decision, Offer, SelectionPolicy, SelectionRun
from yachay.selection.places import Place, keeper
from yachay.selection.selectors import OFFER_SALT, issue_text, offer_token

# A run left "running" this long ago died with its process; a new run may take over.
STALE_RUN = dt.timedelta(minutes=30)


class SelectionRefused(Exception):
    """A run or a publication that cannot happen; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def policy_for(call: Call) -> SelectionPolicy:
    policy = SelectionPolicy.objects.filter(call=call).first()
    if policy is None:
        raise SelectionRefused(
            _("Set the call's selection policy (priority, seed, targets mode) first.")
        )
    return policy


def policy_check(policy: SelectionPolicy) -> None:
    """Refuse a policy whose priority kind its weights would silently contradict.

    A "score" policy without a positive weight gives every applicant priority 0: the run
    would be a pure lottery while it says "score by weighted criteria".
    """
    weights = policy.weights or {}
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        raise SelectionRefused(
            _("The policy weighs criteria that do not exist: %(c)s. Save the policy again.")
            % {"c": ", ".join(unknown)}
        )
    bad = [c for c, w in weights.items() if not isinstance(w, int) or w < 0]
    if bad:
        raise SelectionRefused(_("Criteria weights are whole numbers from 0 to 100."))
    if policy.kind == SelectionPolicy.Kind.SCORE and not any(weights.values()):
        raise SelectionRefused(
            _(
                "The priority is a score from weighted criteria, but no criterion has a "
                "weight: every applicant would have the same priority and the run would be "
                "a pure lottery. Give a weight to at least one criterion in the call's "
                "selection policy, or choose the lottery."
            )
        )


def _criteria(app: dict[str, Any], group: str) -> dict[str, bool]:
    return {
        "woman": app["gender"] == "female",
        "woman_led": app["woman_led"] is True,
        "outside_lima": group == ubigeo.REST_OF_PERU,
        "low_digital": app["digital_level"] <= 2,
        "sme_owner": app["segment"] == "sme_owner",
        "micro": app["ruc"].startswith("10"),
    }


def build_problem(
    call: Call, *, seed: str, kind: str, weights: dict[str, int], mode: str
) -> tuple[allocation.SelectionProblem, dict[str, list[str]]]:
    """The allocation's inputs from the database, and the ineligible with their rules."""
    rules = CallRules(
        closes_on=timezone.localtime(call.closes_at).date(),
        min_age=call.min_age,
        max_age=call.max_age,
        allowed_segments=frozenset(call.allowed_segments),
        ruc_required_segments=frozenset(call.ruc_required_segments),
    )
    admitted_elsewhere = set(
        Decision.objects.filter(
            outcome=Decision.Outcome.ADMITTED,
            application__call__program_id=call.program_id,
            run__state=SelectionRun.State.PUBLISHED,
        )
        .exclude(application__call=call)
        .values_list("application__dni", flat=True)
    )
    fields = (
        "id", "dni", "birth_date", "segment", "ruc", "consent_version", "ubigeo", "gender",
        "woman_led", "digital_level",
    )  # fmt: skip
    # Someone who already holds a place in this call (an enrollment made before the
    # selection, as the demo's classroom does) keeps it: they come before everyone else.
    placed = keeper().placed(call.pk)
    first = (
        sum(w for w in weights.values() if w > 0) + 1 if kind == SelectionPolicy.Kind.SCORE else 1
    )
    candidates: list[allocation.Candidate] = []
    ineligible: dict[str, list[str]] = {}
    for app in Application.objects.filter(call=call).values(*fields).iterator(chunk_size=5000):
        facts = ApplicantFacts(
            dni=app["dni"],
            birth_date=app["birth_date"],
            segment=app["segment"],
            ruc=app["ruc"],
            consent_version=app["consent_version"],
            ubigeo=app["ubigeo"],
        )
        failed = failed_rules(facts, rules, admitted_elsewhere)
        if failed and app["id"] not in placed:
            ineligible[str(app["id"])] = failed
            continue
        group = ubigeo.department_group(app["ubigeo"])
        met = _criteria(app, group)
        priority = (
            sum(w for c, w in weights.items() if met.get(c))
            if kind == SelectionPolicy.Kind.SCORE
            else 0
        )
        if app["id"] in placed:
            priority = first
        candidates.append(
            allocation.Candidate(
                app["id"],
                float(priority),
                {
                    "gender": app["gender"],
                    "department_group": group,
                    "department": app["ubigeo"][:2],
                    "segment": app["segment"],
                },
            )
        )
    # Labels are stored with the run, in the program's language (Spanish by default).
    with translation.override(settings.LANGUAGE_CODE):
        labels = {t.pk: str(t) for t in call.program.targets.all()}
    targets = [
        allocation.Target(
            id=str(t.pk),
            kind=t.kind,
            measure=t.measure,
            dimension=t.dimension,
            value=t.value,
            amount=t.amount,
            label=labels[t.pk],
        )
        for t in call.program.targets.order_by("pk")
    ]
    problem = allocation.SelectionProblem(
        candidates=tuple(candidates),
        seats=call.seats,
        targets=tuple(targets),
        seed=seed,
        mode=cast(allocation.Mode, mode),  # allocate refuses any other mode (InvalidInput)
        # A lottery is a score of zeros; those already placed (priority 1) come first.
        policy="lottery" if kind == SelectionPolicy.Kind.LOTTERY and not placed else "score",
    )
    return problem, ineligible


def _claim(call: Call, actor: Actor, seed: str, policy: SelectionPolicy) -> SelectionRun:
    """Insert the run as "running"; a second run of the same call at once is refused."""
    SelectionRun.objects.filter(
        call=call, state=SelectionRun.State.RUNNING, created_at__lt=timezone.now() - STALE_RUN
    ).update(state=SelectionRun.State.FAILED, error="abandoned")
    try:
        with transaction.atomic():
            return SelectionRun.objects.create(
                call=call,
                created_by=actor.user,
                actor_label=actor.label,
                seed=seed,
                mode=policy.mode,
                policy={
                    "kind": policy.kind,
                    "weights": policy.weights,
                    "offer_days": policy.offer_days,
                },
            )
    except IntegrityError:
        raise SelectionRefused(
            _("Another selection run of this call is in progress; wait for it to finish.")
        ) from None


def selection_dry_run(*, call: Call, actor: Actor, seed: str | None = None) -> SelectionRun:
    """Solve the call's selection and store the result as a dry run (nothing is decided).

    Raises ``SelectionRefused`` when the call has no policy, is still open, already has a
    published selection, or another run is in progress. Invalid or infeasible targets do not
    raise: the run is stored with its status and shortfalls, for the admin to read.
    """
    policy = policy_for(call)
    if call.is_open():
        raise SelectionRefused(_("The call is still open; select after it closes."))
    if SelectionRun.objects.filter(call=call, state=SelectionRun.State.PUBLISHED).exists():
        raise SelectionRefused(_("This call's selection is already published."))
    seed = (seed if seed is not None else policy.seed).strip()
    if not seed:
        raise SelectionRefused(_("Publish a lottery seed in the selection policy first."))
    policy_check(policy)
    run = _claim(call, actor, seed, policy)
    try:
        problem, ineligible = build_problem(
            call, seed=seed, kind=policy.kind, weights=policy.weights or {}, mode=policy.mode
        )
        run.ineligible = ineligible  # kept even when nothing can be solved: it says why
        flat = _flat_priorities(problem, policy)
        if flat is not None:
            run.delete()
            raise SelectionRefused(flat)
        result = allocation.allocate(problem)
    except (allocation.SelectionError, allocation.SolverFailed) as exc:
        run.state = SelectionRun.State.FAILED
        issues = getattr(exc, "issues", ())
        run.error = "\n".join(issue_text(i.code, i.message) for i in issues) or str(exc)
        run.save()
        audit_record(
            actor=actor, action="selection.fail", obj=run, changes={"error": run.error[:500]}
        )
        return run
    except SelectionRefused:
        raise
    except Exception as exc:
        SelectionRun.objects.filter(pk=run.pk).update(
            state=SelectionRun.State.FAILED, error=repr(exc)[:2000]
        )
        raise
    _store_result(run, problem, result, ineligible)
    audit_record(
        actor=actor,
        action="selection.dry_run",
        obj=run,
        changes={
            "state": [None, run.state],
            "status": result.status,
            "admitted": len(result.admitted),
        },
    )
    return run


def _flat_priorities(problem: allocation.SelectionProblem, policy: SelectionPolicy) -> str | None:
    """Why a score policy would give every eligible applicant the same priority, or None."""
    if policy.kind != SelectionPolicy.Kind.SCORE or len(problem.candidates) < 2:
        return None
    top = sum(w for w in (policy.weights or {}).values() if w > 0) + 1
    scores = {c.priority for c in problem.candidates if c.priority < top}
    if len(scores) > 1:
        return None
    return _(
        "Every eligible applicant meets the same weighted criteria, so all would have the "
        "same priority (%(p)s) and the run would be a pure lottery. Weigh criteria that "
        "tell applicants apart, or choose the lottery."
    ) % {"p": next(iter(scores), 0)}


def _store_result(
    run: SelectionRun,
    problem: allocation.SelectionProblem,
    result: allocation.Result,
    ineligible: dict[str, list[str]],
) -> None:
    run.state = SelectionRun.State.DRY_RUN
    run.problem = problem.to_json()
    run.inputs_hash = result.inputs_hash
    run.ineligible = ineligible
    run.status = result.status
    run.objective = result.objective
    run.total_shortfall = result.total_shortfall
    run.admitted_ids = list(result.admitted)
    run.admit_count = result.admit_count
    run.waitlist_ids = list(result.waitlist)
    run.decisions_hash = result.decisions_hash
    run.targets = [dataclasses.asdict(row) for row in result.targets]
    run.departments = {d: dataclasses.asdict(c) for d, c in result.departments.items()}
    run.shortfalls = [dataclasses.asdict(s) for s in result.shortfalls]
    run.solver = dataclasses.asdict(result.solver)
    run.solve_seconds = result.solve_seconds
    run.save()


@transaction.atomic
def selection_publish(*, run: SelectionRun, actor: Actor) -> SelectionRun:
    """Write every decision of a dry run in one transaction, exactly as the dry run showed.

    Refused when the run is not a dry run, another run of the call is published, the
    solver found no selection, or anything the run read has changed since (applications,
    eligibility, policy or targets): then a new dry run is needed.
    """
    run = SelectionRun.objects.select_for_update().select_related("call__program").get(pk=run.pk)
    if run.state != SelectionRun.State.DRY_RUN:
        raise SelectionRefused(
            _("Only a dry run can be published (this run is %(state)s).")
            % {"state": run.get_state_display()}
        )
    if run.status not in ("optimal", "closest_feasible"):
        raise SelectionRefused(
            _("This run found no selection that meets the targets; it cannot be published.")
        )
    if SelectionRun.objects.filter(call=run.call, state=SelectionRun.State.PUBLISHED).exists():
        raise SelectionRefused(_("This call's selection is already published."))
    policy = policy_for(run.call)
    current, _ineligible = build_problem(
        run.call,
        seed=run.seed,
        kind=policy.kind,
        weights=policy.weights or {},
        mode=policy.mode,
    )
    if current.inputs_hash != run.inputs_hash:
        raise SelectionRefused(
            _(
                "Applications, eligibility, the policy or the targets changed since this dry run; "
                "run it again."
            )
        )
    stored = {str(c.id): c for c in allocation.SelectionProblem.from_json(run.problem).candidates}

    def decided(i: int, outcome: str, position: int | None = None) -> Decision:
        c = stored[str(i)]
        groups = {d: c.attributes.get(d, "") for d in TARGET_DIMENSIONS}
        return Decision(
            run=run,
            application_id=int(i),
            outcome=outcome,
            position=position,
            priority=c.priority,
            **groups,
        )

    decisions = [decided(i, Decision.Outcome.ADMITTED) for i in run.admitted_ids]
    decisions += [
        decided(i, Decision.Outcome.WAITLISTED, n) for n, i in enumerate(run.waitlist_ids, start=1)
    ]
    decisions += [
        Decision(run=run, application_id=int(i), outcome=Decision.Outcome.INELIGIBLE, rules=rules)
        for i, rules in run.ineligible.items()
    ]
    Decision.objects.bulk_create(decisions, batch_size=2000)
    deadline = timezone.now() + dt.timedelta(days=policy.offer_days)
    admitted = Decision.objects.filter(run=run, outcome=Decision.Outcome.ADMITTED).values_list(
        "pk", "application_id"
    )
    placed = keeper().placed(run.call_id)
    now = timezone.now()
    Offer.objects.bulk_create(
        [
            # Who already holds a place has it: their offer is taken, no email goes out.
            Offer(decision_id=pk, expires_at=deadline, state=Offer.State.ACCEPTED, responded_at=now)
            if app_id in placed
            else Offer(decision_id=pk, expires_at=deadline)
            for pk, app_id in admitted
        ],
        batch_size=2000,
    )
    outcomes = Decision.objects.filter(run=run).exclude(application_id__in=placed)
    for outcome in Decision.Outcome.values:
        applications_status_set(
            application_ids=outcomes.filter(outcome=outcome).values("application_id"),
            status=outcome,
            actor=actor,
            reason="selection.publish",
            call=run.call,
        )
    transaction.on_commit(lambda: tasks.send_run_offers.enqueue(run_id=run.pk))
    if connection.vendor == "postgresql":
        # Tens of thousands of rows arrived at once: give the planner fresh statistics now,
        # not whenever autovacuum comes by, or promotion plans its joins for one row.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE selection_decision, selection_offer")
    run.state = SelectionRun.State.PUBLISHED
    run.published_at = timezone.now()
    run.save(update_fields=["state", "published_at"])
    audit_record(
        actor=actor,
        action="selection.publish",
        obj=run,
        changes={
            "state": [SelectionRun.State.DRY_RUN, SelectionRun.State.PUBLISHED],
            "admitted": len(run.admitted_ids),
            "waitlisted": len(run.waitlist_ids),
            "ineligible": len(run.ineligible),
            "decisions_hash": run.decisions_hash,
        },
    )
    return run


# Offers and the waiting list ---------------------------------------------------------------


class OfferRefused(Exception):
    """An offer token or answer that cannot be taken; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def offer_from_token(token: str) -> Offer:
    try:
        data = signing.loads(token[:500], salt=OFFER_SALT)
    except signing.BadSignature:
        raise OfferRefused(
            _("This link is not valid. Open the link from your email as it is.")
        ) from None
    offer_id = data.get("offer") if isinstance(data, dict) else None
    if not isinstance(offer_id, int):
        raise OfferRefused(_("This link is not valid. Open the link from your email as it is."))
    offer = (
        Offer.objects.select_related("decision__application__call__program", "decision__run")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise OfferRefused(_("This offer no longer exists."))
    return offer


def _offer_create(decision: Decision, *, days: int, promoted: bool) -> Offer:
    return Offer.objects.create(
        decision=decision, expires_at=timezone.now() + dt.timedelta(days=days), promoted=promoted
    )


def offer_check_answerable(offer: Offer, *, user: Any = None) -> None:
    owner_email = offer.decision.application.email
    if user is not None and user.is_authenticated and user.email and user.email != owner_email:
        raise OfferRefused(_("This offer belongs to someone else."))
    if offer.state == Offer.State.ACCEPTED:
        raise OfferRefused(_("You already accepted this offer."))
    if offer.state == Offer.State.DECLINED:
        raise OfferRefused(_("You already declined this offer; the place went to someone else."))
    if offer.state == Offer.State.EXPIRED or offer.expires_at <= timezone.now():
        raise OfferRefused(
            _("This offer expired on %(d)s; the place went to the waiting list.")
            % {"d": dates.day_time(offer.expires_at)}
        )


def _locked(offer: Offer) -> Offer:
    return (
        Offer.objects.select_for_update()
        .select_related("decision__application__call__program", "decision__run")
        .get(pk=offer.pk)
    )


@transaction.atomic
def offer_accept(*, offer: Offer, actor: Actor, user: Any = None) -> Place:
    """Take the place: an enrollment waiting for a cohort, and a learner account (made by
    the app that keeps the places, see ``selection.places``)."""
    offer = _locked(offer)
    offer_check_answerable(offer, user=user)
    app = offer.decision.application
    place = keeper().take(application=app, actor=actor)
    offer.state, offer.responded_at = Offer.State.ACCEPTED, timezone.now()
    offer.save(update_fields=["state", "responded_at"])
    applications_status_set(
        application_ids=[app.pk],
        status=Application.Status.ACCEPTED,
        actor=actor,
        reason="offer.accept",
    )
    audit_record(
        actor=actor, action="offer.accept", obj=offer, changes={"state": ["pending", "accepted"]}
    )
    login_link_queue(user_id=place.user_id)
    return place


@transaction.atomic
def offer_decline(*, offer: Offer, actor: Actor, user: Any = None) -> Offer:
    """Give the place back; the waiting list is promoted in the background."""
    offer = _locked(offer)
    offer_check_answerable(offer, user=user)
    offer.state, offer.responded_at = Offer.State.DECLINED, timezone.now()
    offer.save(update_fields=["state", "responded_at"])
    applications_status_set(
        application_ids=[offer.decision.application_id],
        status=Application.Status.DECLINED,
        actor=actor,
        reason="offer.decline",
    )
    audit_record(
        actor=actor, action="offer.decline", obj=offer, changes={"state": ["pending", "declined"]}
    )
    call_id = offer.decision.application.call_id
    transaction.on_commit(lambda: tasks.promote_waitlist.enqueue(call_id=call_id))
    return offer


def offers_expire(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Expire every pending offer past its deadline; promote the calls that lost seats."""
    now = now or timezone.now()
    expired = 0
    calls: set[int] = set()
    overdue = Offer.objects.filter(state=Offer.State.PENDING, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(overdue[:5000]):
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update().select_related("decision__application").get(pk=pk)
            )
            if offer.state != Offer.State.PENDING:
                continue  # answered meanwhile
            offer.state = Offer.State.EXPIRED
            offer.save(update_fields=["state"])
            applications_status_set(
                application_ids=[offer.decision.application_id],
                status=Application.Status.EXPIRED,
                actor=actor,
                reason="offer.expire",
            )
            audit_record(
                actor=actor,
                action="offer.expire",
                obj=offer,
                changes={"state": ["pending", "expired"]},
            )
            calls.add(offer.decision.application.call_id)
            expired += 1
    for call_id in calls:
        transaction.on_commit(partial(tasks.promote_waitlist.enqueue, call_id=call_id))
    return expired


def _seat_holders(run: SelectionRun) -> QuerySet[Decision]:
    """Admitted decisions whose place is still held (offer pending or accepted)."""
    # Every admitted decision has its offer (made at publication or promotion).
    return Decision.objects.filter(
        run=run,
        outcome=Decision.Outcome.ADMITTED,
        offer__state__in=[Offer.State.PENDING, Offer.State.ACCEPTED],
    )


TARGET_DIMENSIONS = ("gender", "department_group", "department", "segment")


WAITLIST_HEAD = 500


def _first_promotable(
    run: SelectionRun,
    admitted: list[dict[str, str]],
    targets: list[allocation.Target],
    admit_count: int,
) -> allocation.Promotion | None:
    """The promotion ``choose_promotion`` would make over the whole waiting list, cheaply.

    Usually one of the first few hundred on the list keeps every target; they are read
    with one indexed range query and the first who keeps the targets wins. Otherwise (a
    group the targets need is further down, or targets fall short whoever comes in) one
    grouped query gives the first member of every group, which is all the rule compares.
    """
    head = list(
        Decision.objects.filter(run=run, outcome=Decision.Outcome.WAITLISTED)
        .order_by("position")
        .values("position", *TARGET_DIMENSIONS)[:WAITLIST_HEAD]
    )
    if not head:
        return None
    waitlist = [
        allocation.Candidate(r["position"], 0.0, {d: r[d] for d in TARGET_DIMENSIONS}) for r in head
    ]
    choice = allocation.choose_promotion(
        admitted=admitted, waitlist=waitlist, targets=targets, admit_count=admit_count
    )
    if choice is not None and choice.shortfall_after == 0:
        return choice
    # Targets fall short whoever comes in: the one who reduces the shortfall most, by priority.
    firsts = (
        Decision.objects.filter(run=run, outcome=Decision.Outcome.WAITLISTED)
        .values(*TARGET_DIMENSIONS)
        .annotate(first=Min("position"))
        .order_by("first")
    )
    waitlist = [
        allocation.Candidate(f["first"], 0.0, {d: f[d] for d in TARGET_DIMENSIONS}) for f in firsts
    ]
    if not waitlist:
        return None
    return allocation.choose_promotion(
        admitted=admitted, waitlist=waitlist, targets=targets, admit_count=admit_count
    )


@transaction.atomic
def waitlist_promote(*, call: Call, actor: Actor) -> list[Offer]:
    """Give every freed seat of the call to the waiting list, keeping the targets.

    A freed seat goes to the highest-priority waitlisted applicant whose admission keeps
    every target met (or, where targets already fall short, reduces the shortfall most).
    The published run's row is locked, so two promotions of one call never run at once:
    two declines at the same instant hand out two seats, to two different people.
    """
    run = (
        SelectionRun.objects.select_for_update()
        .filter(call=call, state=SelectionRun.State.PUBLISHED)
        # The stored inputs and id lists run to megabytes; promotion needs none of them.
        .only("pk", "admit_count", "targets")
        .first()
    )
    if run is None:
        return []
    admit_count = run.admit_count  # N = min(seats, eligible), as the run admitted
    targets = [
        allocation.Target(
            id=t["target_id"], kind=t["kind"], measure=t["measure"], dimension=t["dimension"],
            value=t["value"], amount=t["amount"], label=t["description"],
        )
        for t in run.targets
    ]  # fmt: skip
    policy = SelectionPolicy.objects.filter(call=call).first()
    days = policy.offer_days if policy else 7
    offers: list[Offer] = []
    while True:
        holders = list(_seat_holders(run).values(*TARGET_DIMENSIONS).annotate(n=Count("pk")))
        held = sum(h["n"] for h in holders)
        if held >= admit_count:
            break
        admitted_attrs = [
            {d: h[d] for d in TARGET_DIMENSIONS} for h in holders for _ in range(h["n"])
        ]
        choice = _first_promotable(run, admitted_attrs, targets, admit_count)
        if choice is None:
            break
        decision = Decision.objects.select_for_update().get(
            run=run, outcome=Decision.Outcome.WAITLISTED, position=choice.candidate_id
        )
        old_position = decision.position
        decision.outcome, decision.position = Decision.Outcome.ADMITTED, None
        decision.save(update_fields=["outcome", "position"])
        offer = _offer_create(decision, days=days, promoted=True)
        applications_status_set(
            application_ids=[decision.application_id],
            status=Application.Status.ADMITTED,
            actor=actor,
            reason="waitlist.promote",
        )
        audit_record(
            actor=actor,
            action="waitlist.promote",
            obj=decision,
            changes={
                "outcome": ["waitlisted", "admitted"],
                "position": old_position,
                "shortfall": [choice.shortfall_before, choice.shortfall_after],
            },
        )
        offers.append(offer)
    for offer in offers:
        transaction.on_commit(partial(tasks.send_offer_email.enqueue, offer_id=offer.pk))
    return offers


def offer_send_email(*, offer_id: int) -> bool:
    """The offer in the applicant's language, with accept and decline links: once per offer,
    however often the task runs; True if sent now."""
    offer = Offer.objects.select_related("decision__application__call__program").get(pk=offer_id)
    if offer.state != Offer.State.PENDING:
        return False
    app = offer.decision.application
    site = settings.YACHAY_SITE_URL.rstrip("/")
    token = offer_token(offer)
    with translation.override(app.language):
        context = {
            "app": app,
            "offer": offer,
            "link": f"{site}/ofertas/{token}/",
            "deadline": timezone.localtime(offer.expires_at),
        }
        subject = render_to_string("selection/email/offer_subject.txt", context).strip()
        body = render_to_string("selection/email/offer.txt", context)
    message = EmailMessage(subject, body, to=[app.email])
    return email_send_once(key=f"offer:{offer.pk}", message=message)
