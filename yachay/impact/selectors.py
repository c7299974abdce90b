"""Reads of impact: a run's randomisation band with who was promoted and who completed, the
answers of its members, and the report built from them (``report.py`` does the numbers).

The band is computed on demand from what the run stores (``band.py``), not stored: a
published run never changes (its inputs, seed and decisions are frozen and hashed), so the
band is a pure function of it, recomputed in well under a second for 20,000 applicants
(docs/benchmarks.md); storing it would be a second copy that could drift from the run it
came from. What does change -- promotions, completions, answers -- is read live.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yachay.cohorts.models import Enrollment
from yachay.core import ubigeo
from yachay.core.models import Objection
from yachay.core.objections import Purpose, normalise_email, objecting
from yachay.impact.band import TREATMENT, Band, BandMismatch, compute_band
from yachay.impact.report import Report, build_report
from yachay.intake.models import Application
from yachay.selection.models import Offer, SelectionRun
from yachay.surveys import selectors as surveys
from yachay.surveys.models import Answer, Invitation, Survey

if TYPE_CHECKING:  # the stubs' name for a str or a lazy translation
    from django_stubs_ext import StrOrPromise

#: The follow-up surveys of the study (contract with surveys): kind -> slug.
FOLLOWUPS: dict[str, str] = {"followup_3m": "seguimiento-3m", "followup_6m": "seguimiento-6m"}
FOLLOWUP_MONTHS: dict[str, int] = {"followup_3m": 3, "followup_6m": 6}
BASELINE = "baseline"

#: The outcomes, asked the same way at baseline and in both follow-ups.
OUTCOMES: dict[str, StrOrPromise] = {
    "uses_ai": gettext_lazy("Uses AI in the business or work (share)"),
    "monthly_sales_pen": gettext_lazy("Sales in a typical month (soles)"),
    "customers_month": gettext_lazy("Customers in a typical month"),
    "employees": gettext_lazy("People working in the business"),
    "digital_tools": gettext_lazy("Digital tools used regularly"),
    "confidence_ai": gettext_lazy("Confidence using AI (1 to 5)"),
}

#: Application data compared between the arms (balance), as numbers.
APPLICATION_FIELDS: dict[str, StrOrPromise] = {
    "woman": gettext_lazy("Woman (share)"),
    "outside_lima": gettext_lazy("Lives outside Lima and Callao (share)"),
    "age": gettext_lazy("Age when the call closed (years)"),
    "digital_level": gettext_lazy("Digital skills, self-rated (1 to 5)"),
    "woman_led": gettext_lazy("Business led by a woman (share)"),
    "sme_owner": gettext_lazy("Owns a MYPE (share)"),
}


def numeric(question: str, value: object) -> float:
    """An answer as a number: yes/no as 1/0, numbers as they are, anything else missing."""
    if question == "uses_ai":
        return 1.0 if value == "si" else 0.0 if value == "no" else np.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return np.nan


@dataclass
class RunBand:
    """A run's band with its members' application ids, arms, strata and what happened next.

    ``band`` is None, with ``reason`` in words, when the run has no band to speak of.
    Arrays are aligned: one entry per member, in the band's order.
    """

    run: SelectionRun
    band: Band | None
    reason: str = ""
    application_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    z: np.ndarray = field(default_factory=lambda: np.zeros(0))
    strata: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lottery: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    promoted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    completed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    objected: int = 0  # members left out: they objected to analytics

    @property
    def ok(self) -> bool:
        return self.band is not None and not self.band.empty


def published_runs() -> list[SelectionRun]:
    """Published runs, newest first, without their (large) stored inputs."""
    return list(
        SelectionRun.objects.filter(state=SelectionRun.State.PUBLISHED)
        .select_related("call__program")
        .defer("problem", "admitted_ids", "waitlist_ids", "ineligible")
        .order_by("-published_at", "-pk")
    )


def run_for_report(run_id: int) -> SelectionRun | None:
    """A published run by id, or None (dry runs and failed runs have no decisions)."""
    return (
        SelectionRun.objects.filter(pk=run_id, state=SelectionRun.State.PUBLISHED)
        .select_related("call__program")
        .first()
    )


def run_band(run: SelectionRun) -> RunBand:
    """The band of a published run, checked against its stored decisions (see band.py)."""
    if run.state != SelectionRun.State.PUBLISHED or not run.problem:
        return RunBand(run, None, _("This run was not published, so nobody was decided by it."))
    try:
        data = json.loads(run.problem)
        band = compute_band(data, run.admitted_ids, run.waitlist_ids)
    except BandMismatch as exc:
        return RunBand(
            run,
            None,
            _(
                "The stored decisions of this run do not follow from its stored inputs and "
                "seed (%(why)s); the band cannot be trusted, so nothing is estimated."
            )
            % {"why": str(exc)},
        )
    except (ValueError, KeyError, TypeError):
        return RunBand(run, None, _("The stored inputs of this run cannot be read."))
    if band.empty:
        return RunBand(
            run,
            band,
            _(
                "No admission in this run was decided by the lottery: at the cut-off, no "
                "group of applicants with the same priority and the same standing under the "
                "targets was split between admitted and waitlisted. There is no randomised "
                "comparison to estimate an effect from."
            ),
        )
    # Who objected to analytics (Ley 29733, right of opposition) is left out of the
    # analysis and the export, like someone who did not answer (``objected``). Objections
    # are few: read them first, and the call's addresses only if there are any.
    members = list(band.members)
    kept = members
    if Objection.objects.filter(purpose=Purpose.ANALYTICS).exists():
        emails = Application.objects.filter(call_id=run.call_id).values_list("pk", "email")
        by_pk = {pk: normalise_email(e) for pk, e in emails.iterator(chunk_size=5000)}
        against = objecting(by_pk.values(), Purpose.ANALYTICS)
        kept = [m for m in members if by_pk.get(int(m.id), "") not in against]
    ids = np.array([int(m.id) for m in kept], dtype=np.int64)
    z = np.array([m.arm == TREATMENT for m in kept], dtype=float)
    promoted_ids = set(
        Offer.objects.filter(promoted=True, decision__run=run).values_list(
            "decision__application_id", flat=True
        )
    )
    completed_ids = set(
        Enrollment.objects.filter(
            application__call_id=run.call_id, status=Enrollment.Status.COMPLETED
        ).values_list("application_id", flat=True)
    )
    return RunBand(
        run=run,
        band=band,
        application_ids=ids,
        z=z,
        strata=np.array([m.stratum for m in kept], dtype=np.int64),
        lottery=np.array([m.lottery_number for m in kept], dtype=np.int64),
        objected=len(members) - len(kept),
        # Promoted: waitlisted by the lottery, offered a place later (take-up, not assignment).
        promoted=np.fromiter(
            (i in promoted_ids and not t for i, t in zip(ids.tolist(), z.tolist(), strict=True)),
            dtype=bool,
            count=len(ids),
        ),
        completed=np.fromiter(
            (i in completed_ids for i in ids.tolist()), dtype=bool, count=len(ids)
        ),
    )


def _positions(application_ids: Sequence[int], found: np.ndarray) -> np.ndarray:
    """Where each id of ``found`` sits in ``application_ids`` (-1 where it is not there)."""
    ids = np.asarray(application_ids, dtype=np.int64)
    order = np.argsort(ids)
    sorted_ids = ids[order]
    at = np.searchsorted(sorted_ids, found)
    at = np.minimum(at, max(len(ids) - 1, 0))
    hit = (sorted_ids[at] == found) if len(ids) else np.zeros(len(found), dtype=bool)
    return np.where(hit, order[at] if len(ids) else -1, -1)


def _rows(queryset: Any) -> list[tuple[Any, ...]]:
    """All rows of a ``values_list`` queryset through one cursor, without the ORM's per-row
    work (hundreds of thousands of answers: the difference is seconds)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (no such survey yet)
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class SurveyData:
    """One survey's data for the band, aligned with its application ids."""

    answers: dict[str, np.ndarray]  # per question, NaN where missing
    submitted: np.ndarray
    invited: np.ndarray
    learner_wording: np.ndarray  # invited with the learners' text, not the applicants'


def survey_data(
    kind: str, application_ids: Sequence[int], questions: Iterable[str] = OUTCOMES
) -> SurveyData:
    """Invitations and answers of the survey of ``kind`` for ``application_ids``: two reads.

    The same rows as ``surveys.selectors.answers`` (submitted invitations only) and
    ``invitations``, read lean: the outcomes are numbers or a single choice, so the JSON
    column of multiple choices is not read; no list of ids is sent to the database (the
    survey kind selects, the ids are matched here, vectorised); and the rows come through
    one cursor each.
    """
    n = len(application_ids)
    questions = list(questions)
    data = SurveyData(
        answers={q: np.full(n, np.nan) for q in questions},
        submitted=np.zeros(n, dtype=bool),
        invited=np.zeros(n, dtype=bool),
        learner_wording=np.zeros(n, dtype=bool),
    )
    invitations = _rows(
        surveys.invitations(kind).values_list("application_id", "wording", "submitted_at")
    )
    if invitations:
        app_ids, wordings, submitted_at = zip(*invitations, strict=True)
        at = _positions(application_ids, np.fromiter(app_ids, dtype=np.int64, count=len(app_ids)))
        ok = at >= 0
        data.invited[at[ok]] = True
        learner = np.array([w == Invitation.Wording.LEARNER for w in wordings], dtype=bool)
        data.learner_wording[at[ok & learner]] = True
        done = np.array([t is not None for t in submitted_at], dtype=bool)
        data.submitted[at[ok & done]] = True
    rows = _rows(
        Answer.objects.filter(
            invitation__survey_id__in=list(Survey.objects.filter(kind=kind).values_list("pk")),
            invitation__submitted_at__isnull=False,
            question__in=questions,
        ).values_list("invitation__application_id", "question", "number", "text")
    )
    if rows:
        app_ids, asked, numbers, texts = zip(*rows, strict=True)
        at = _positions(application_ids, np.fromiter(app_ids, dtype=np.int64, count=len(rows)))
        asked_arr = np.array(asked, dtype=object)
        number_arr = np.array([np.nan if v is None else v for v in numbers], dtype=float)
        for q in questions:
            pick = (asked_arr == q) & (at >= 0)
            if q == "uses_ai":
                text_arr = np.array(texts, dtype=object)[pick]
                values = np.where(text_arr == "si", 1.0, np.where(text_arr == "no", 0.0, np.nan))
            else:
                values = number_arr[pick]
            data.answers[q][at[pick]] = values
    return data


def application_matrix(
    call_id: int, application_ids: Sequence[int], closes_on: dt.date
) -> dict[str, np.ndarray]:
    """The application data compared between arms, as numbers aligned with the ids (the
    applications of one call)."""
    n = len(application_ids)
    out = {name: np.full(n, np.nan) for name in APPLICATION_FIELDS}
    rows = _rows(
        Application.objects.filter(call_id=call_id).values_list(
            "pk", "gender", "ubigeo", "birth_date", "digital_level", "woman_led", "segment"
        )
    )
    if not rows:
        return out
    pks, genders, codes, births, digital, woman_led, segments = zip(*rows, strict=True)
    at = _positions(application_ids, np.fromiter(pks, dtype=np.int64, count=len(rows)))
    ok = at >= 0
    into = at[ok]

    def put(name: str, values: list[float]) -> None:
        out[name][into] = np.asarray(values, dtype=float)[ok]

    put("woman", [1.0 if g == "female" else 0.0 for g in genders])
    rest = ubigeo.REST_OF_PERU
    put("outside_lima", [1.0 if ubigeo.department_group(c or "") == rest else 0.0 for c in codes])
    put("age", [_age(born, closes_on) for born in births])
    put("digital_level", [np.nan if d is None else float(d) for d in digital])
    put("woman_led", [np.nan if w is None else float(w) for w in woman_led])
    put("sme_owner", [1.0 if seg == "sme_owner" else 0.0 for seg in segments])
    return out


def _age(born: dt.date | str | None, on: dt.date) -> float:
    """Age in whole years on a day; a raw cursor gives SQLite's dates as ISO text."""
    if born is None:
        return np.nan
    if isinstance(born, str):
        born = dt.date.fromisoformat(born[:10])
    return float(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))


def band_members_for_invitation(run: SelectionRun) -> list[int]:
    """Application ids of every member of a run's band (both arms), or [] without one."""
    rb = run_band(run)
    return rb.application_ids.tolist() if rb.ok else []


def impact_report(run: SelectionRun, *, k: int | None = None) -> tuple[RunBand, Report | None]:
    """The band of a run and its report (None when the run has no band)."""
    rb = run_band(run)
    if not rb.ok:
        return rb, None
    ids = rb.application_ids.tolist()
    baseline = survey_data(BASELINE, ids).answers
    followups = {}
    for kind in FOLLOWUPS:
        d = survey_data(kind, ids)
        followups[kind] = (d.answers, d.submitted, d.invited, d.learner_wording)
    report = build_report(
        z=rb.z,
        strata=rb.strata,
        promoted=rb.promoted,
        completed=rb.completed,
        application=application_matrix(
            run.call_id, ids, timezone.localtime(run.call.closes_at).date()
        ),
        baseline=baseline,
        followups=followups,
        k=settings.YACHAY_SMALL_CELL_K if k is None else k,
    )
    return rb, report
