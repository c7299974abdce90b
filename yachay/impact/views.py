"""The impact report (staff) and the evaluator's export.

Who sees what: a program admin sees every published run's report and downloads the
evaluator's export; a coordinator reads the reports (aggregates over the whole band, small
cells suppressed: nothing about a single person) but may not download the export, which
has one row per person; an instructor is told in words that the page is not theirs (403);
anyone else who is not staff gets a 404, as in the other reports.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yachay.accounts.http import AuthedHttpRequest
from yachay.accounts.models import Role
from yachay.core import exports
from yachay.core.actors import Actor
from yachay.core.caching import personal_data
from yachay.impact import selectors
from yachay.impact.band import CONTROL, TREATMENT
from yachay.selection.models import SelectionRun

STAFF_LOGIN = "accounts:staff_login"


def _may_read(request: AuthedHttpRequest) -> None:
    user = request.user
    if not user.works_with_cohorts:
        raise Http404
    if not (user.is_program_admin or user.role == Role.COORDINATOR):
        raise PermissionDenied(
            _("The impact report is for the program office and the coordinators.")
        )


def _run(run_id: int) -> SelectionRun:
    run = selectors.run_for_report(run_id)
    if run is None:
        raise Http404
    return run


@personal_data
@login_required(login_url=STAFF_LOGIN)
@require_safe
def runs(request: AuthedHttpRequest) -> HttpResponse:
    """The published runs, each with a link to its report."""
    _may_read(request)
    return render(request, "impact/runs.html", {"runs": selectors.published_runs()})


@personal_data
@login_required(login_url=STAFF_LOGIN)
@require_safe
def report(request: AuthedHttpRequest, run_id: int) -> HttpResponse:
    """One run's impact report: band, balance, attrition, ITT and 2SLS per outcome."""
    _may_read(request)
    run = _run(run_id)
    rb, numbers = selectors.impact_report(run)
    return render(
        request,
        "impact/report.html",
        {
            "run": run,
            "rb": rb,
            "report": numbers,
            "outcomes": selectors.OUTCOMES,
            "application_fields": selectors.APPLICATION_FIELDS,
            "may_export": request.user.is_program_admin,
        },
    )


def pseudonym(run_id: int, application_id: int) -> str:
    """A stable pseudonymous id for one person in one run's export: an HMAC of the ids under
    the site's secret key, so the export alone cannot be joined back to an application."""
    key = hashlib.sha256(f"impact-export:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{run_id}:{application_id}".encode(), hashlib.sha256).hexdigest()[:16]


def _export_rows(run: SelectionRun) -> tuple[list[str], Iterator[list[Any]]]:
    rb = selectors.run_band(run)
    if not rb.ok or rb.band is None:
        raise Http404
    ids = rb.application_ids.tolist()
    app = selectors.application_matrix(
        run.call_id, ids, timezone.localtime(run.call.closes_at).date()
    )
    base = selectors.survey_data(selectors.BASELINE, ids)
    baseline, base_sub = base.answers, base.submitted
    follow = {kind: selectors.survey_data(kind, ids) for kind in selectors.FOLLOWUPS}
    strata = rb.band.strata
    header = [
        "run", "seed", "inputs_hash", "decisions_hash", "person", "stratum", "stratum_groups",
        "stratum_priority", "stratum_size", "stratum_admitted", "lottery_number", "arm",
        "promoted", "completed", *app, "baseline_submitted",
        *(f"baseline_{q}" for q in selectors.OUTCOMES),
    ]  # fmt: skip
    for kind in selectors.FOLLOWUPS:
        short = kind.removeprefix("followup_")
        header += [f"invited_{short}", f"submitted_{short}"]
        header += [f"{short}_{q}" for q in selectors.OUTCOMES]

    def number(v: float) -> Any:
        return "" if v != v else (int(v) if float(v).is_integer() else round(float(v), 6))

    def rows() -> Iterator[list[Any]]:
        for k, app_id in enumerate(ids):
            s = strata[int(rb.strata[k])]
            row: list[Any] = [
                run.pk, run.seed, run.inputs_hash, run.decisions_hash, pseudonym(run.pk, app_id),
                s.index, ";".join(f"{d}={v}" for d, v in s.attributes), s.priority, s.size,
                s.admitted, int(rb.lottery[k]), TREATMENT if rb.z[k] else CONTROL,
                int(rb.promoted[k]), int(rb.completed[k]),
                *(number(app[f][k]) for f in app), int(base_sub[k]),
                *(number(baseline[q][k]) for q in selectors.OUTCOMES),
            ]  # fmt: skip
            for kind in selectors.FOLLOWUPS:
                d = follow[kind]
                row += [int(d.invited[k]), int(d.submitted[k])]
                row += [number(d.answers[q][k]) for q in selectors.OUTCOMES]
            yield row

    return header, rows()


@login_required(login_url=STAFF_LOGIN)
@require_safe
def export(request: AuthedHttpRequest, run_id: int) -> HttpResponseBase:
    """The evaluator's export (CSV): one row per band member, pseudonymous; audited."""
    _may_read(request)
    if not request.user.is_program_admin:
        raise PermissionDenied(_("Only the program office downloads the evaluator's export."))
    run = _run(run_id)
    rb = selectors.run_band(run)
    if not rb.ok:
        return render(
            request, "impact/report.html", {"run": run, "rb": rb, "report": None}, status=404
        )
    header, rows = _export_rows(run)
    return exports.export_response(
        "csv",
        name=f"impacto-{run.call.slug}-corrida-{run.pk}",
        header=header,
        rows=rows,
        actor=Actor.of_user(request.user),
        filters={"run": run.pk, "table": "impact_band"},
    )
