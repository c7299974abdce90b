"""Cohort assignment: load waiting enrollments and cohorts, solve, save, audit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yachay.cohorts import assignment
from yachay.cohorts.models import Cohort, Enrollment
from yachay.core import ubigeo
from yachay.core.actors import Actor
from yachay.core.choices import Modality, Schedule
from yachay.core.models import AuditEvent
from yachay.core.services import audit_event
from yachay.programs.models import Call


@dataclass(frozen=True)
class AssignmentReport:
    placed: int
    moved: int
    unplaced: list[tuple[Enrollment, str]]
    figures: assignment.Figures


def reason_text(reason: assignment.Reason) -> str:
    """Why a learner has no cohort, in the reader's language."""
    p = reason.params
    slots = ", ".join(str(Schedule(s).label) for s in p.get("slots", []) if s in Schedule.values)
    place = ubigeo.places().departments.get(p.get("department", ""), p.get("department", ""))
    if reason.code == assignment.NO_COHORT:
        if p.get("modality") == Modality.IN_PERSON:
            return _(
                "There is no in-person cohort in %(place)s (nor a virtual one) at: %(slots)s."
            ) % {
                "place": place,
                "slots": slots,
            }
        return _("There is no virtual cohort at: %(slots)s.") % {"slots": slots}
    if reason.code == assignment.NO_TRACK_FOR_SEGMENT:
        return _("No cohort at %(slots)s teaches a track open to your segment.") % {"slots": slots}
    return _("Every cohort you could join at %(slots)s is full.") % {"slots": slots}


@transaction.atomic
def cohorts_assign(*, call: Call, actor: Actor, reoptimise: bool = False) -> AssignmentReport:
    """Place every waiting enrollment of the call in a cohort (keeping placements unless
    ``reoptimise``); say why for those who cannot be placed. Locks the call's enrollments."""
    enrollments = list(
        Enrollment.objects.select_for_update()
        .filter(
            application__call=call, status__in=[Enrollment.Status.WAITING, Enrollment.Status.ACTIVE]
        )
        .select_related("application")
    )
    cohorts = list(Cohort.objects.filter(call=call).select_related("track"))
    learners = [
        assignment.Learner(
            id=e.pk,
            department=e.application.department,
            modality=e.application.modality,
            slots=frozenset(e.application.schedules),
            segment=e.application.segment,
            current_cohort_id=e.cohort_id,
        )
        for e in enrollments
    ]
    plain = [
        assignment.Cohort(
            id=c.pk,
            track_id=c.track_id,
            modality=c.modality,
            department=c.department or None,
            slot=c.slot,
            capacity=c.capacity,
            audience=frozenset(c.track.audience or []),
        )
        for c in cohorts
    ]
    result = assignment.assign(learners, plain, reoptimise=reoptimise)
    now = timezone.now()
    changed: list[Enrollment] = []
    events: list[AuditEvent] = []  # one per changed enrollment, written in bulk
    by_id = {e.pk: e for e in enrollments}
    for learner_id, cohort_id in result.placements.items():
        e = by_id[learner_id]
        if e.cohort_id != cohort_id or e.status != Enrollment.Status.ACTIVE:
            events.append(
                audit_event(
                    actor=actor,
                    action="enrollment.assign",
                    obj=e,
                    changes={"cohort": [e.cohort_id, cohort_id]},
                )
            )
            e.cohort_id, e.status, e.status_changed_at = cohort_id, Enrollment.Status.ACTIVE, now
            changed.append(e)
    for learner_id, _reason in result.unplaced:
        e = by_id[learner_id]
        if e.cohort_id is not None or e.status != Enrollment.Status.WAITING:
            events.append(
                audit_event(
                    actor=actor,
                    action="enrollment.assign",
                    obj=e,
                    changes={"cohort": [e.cohort_id, None]},
                )
            )
            e.cohort_id, e.status, e.status_changed_at = None, Enrollment.Status.WAITING, now
            changed.append(e)
    Enrollment.objects.bulk_update(
        changed, ["cohort", "status", "status_changed_at"], batch_size=2000
    )
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    unplaced = [(by_id[i], reason_text(r)) for i, r in result.unplaced]
    return AssignmentReport(
        placed=len(result.placements), moved=len(changed), unplaced=unplaced, figures=result.figures
    )
