"""Selection: dry runs, publishing. Loads and saves around the pure ``allocation`` module."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yachay.core import ubigeo
from yachay.core.actors import Actor
from yachay.core.services import audit_record
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection import allocation
from yachay.selection.eligibility import ApplicantFacts, CallRules, failed_rules
from yachay.selection.models import Decision, SelectionPolicy, SelectionRun

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


def _criteria(app: dict[str, Any]) -> dict[str, bool]:
    return {
        "woman": app["gender"] == "female",
        "woman_led": app["woman_led"] is True,
        "outside_lima": ubigeo.department_group(app["ubigeo"]) == ubigeo.REST_OF_PERU,
        "low_digital": app["digital_level"] <= 2,
        "sme_owner": app["segment"] == "sme_owner",
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
        if failed:
            ineligible[str(app["id"])] = failed
            continue
        met = _criteria(app)
        priority = (
            sum(w for c, w in weights.items() if met.get(c))
            if kind == SelectionPolicy.Kind.SCORE
            else 0
        )
        candidates.append(
            allocation.Candidate(
                app["id"],
                float(priority),
                {
                    "gender": app["gender"],
                    "department_group": ubigeo.department_group(app["ubigeo"]),
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
        mode=mode,  # type: ignore[arg-type]
        policy="lottery" if kind == SelectionPolicy.Kind.LOTTERY else "score",
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
    run = _claim(call, actor, seed, policy)
    try:
        problem, ineligible = build_problem(
            call, seed=seed, kind=policy.kind, weights=policy.weights or {}, mode=policy.mode
        )
        result = allocation.allocate(problem)
    except allocation.SelectionError as exc:
        run.state = SelectionRun.State.FAILED
        run.error = (
            "\n".join(issue.message for issue in exc.issues) if hasattr(exc, "issues") else str(exc)
        )
        run.save()
        audit_record(
            actor=actor, action="selection.fail", obj=run, changes={"error": run.error[:500]}
        )
        return run
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
    stored = allocation.SelectionProblem.from_json(run.problem)
    priority = {str(c.id): c.priority for c in stored.candidates}
    decisions = [
        Decision(
            run=run,
            application_id=int(i),
            outcome=Decision.Outcome.ADMITTED,
            priority=priority[str(i)],
        )
        for i in run.admitted_ids
    ]
    decisions += [
        Decision(
            run=run,
            application_id=int(i),
            outcome=Decision.Outcome.WAITLISTED,
            position=n,
            priority=priority[str(i)],
        )
        for n, i in enumerate(run.waitlist_ids, start=1)
    ]
    decisions += [
        Decision(run=run, application_id=int(i), outcome=Decision.Outcome.INELIGIBLE, rules=rules)
        for i, rules in run.ineligible.items()
    ]
    Decision.objects.bulk_create(decisions, batch_size=2000)
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
