"""The impact report and the evaluator's export, per role, with and without a band."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from yachay.accounts.models import User
from yachay.core.models import AuditEvent, Objection
from yachay.impact import selectors
from yachay.impact.band import TREATMENT
from yachay.impact.tests.conftest import answer, publish_call, survey
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.selection import allocation
from yachay.selection.models import SelectionRun
from yachay.surveys.models import Invitation


def _fill_answers(run: SelectionRun, *, effect: float = 300.0) -> None:
    """Baseline and 3-month answers for every band member (the admitted sell ``effect`` more)."""
    rb = selectors.run_band(run)
    base = survey("baseline", "linea-base")
    three = survey("followup_3m", "seguimiento-3m")
    rng = np.random.default_rng(5)
    for k, app_id in enumerate(rb.application_ids.tolist()):
        sales = float(rng.normal(2000, 300))
        answer(base, app_id, {"monthly_sales_pen": sales, "uses_ai": "no", "confidence_ai": 2})
        y = sales + effect * rb.z[k] + float(rng.normal(0, 100))
        answer(
            three,
            app_id,
            {"monthly_sales_pen": y, "uses_ai": "si" if rb.z[k] else "no", "confidence_ai": 3},
        )


def test_the_band_recomputed_from_the_run_matches_its_stored_decisions(
    lottery_run: SelectionRun,
) -> None:
    rb = selectors.run_band(lottery_run)
    assert rb.ok and rb.band is not None
    # Two strata (women, men), both split by the lottery; 30 admitted in all.
    assert len(rb.band.strata) == 2
    assert (
        rb.band.treatment
        + sum(1 for i in lottery_run.admitted_ids if i not in set(rb.application_ids.tolist()))
        == 30
    )
    # A full re-solve from the stored inputs gives the same decisions.
    problem = allocation.SelectionProblem.from_json(lottery_run.problem)
    assert allocation.allocate(problem).decisions_hash == lottery_run.decisions_hash
    admitted = set(lottery_run.admitted_ids)
    assert all(
        (int(i) in admitted) == bool(z) for i, z in zip(rb.application_ids, rb.z, strict=True)
    )


def test_program_admin_reads_the_report_with_estimates(
    client: Client, users: dict[str, User], lottery_run: SelectionRun, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 5
    _fill_answers(lottery_run)
    client.force_login(users["admin"])
    page = client.get(reverse("impact:report", args=[lottery_run.pk]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    _rb, report = selectors.impact_report(lottery_run, k=5)
    assert report is not None
    sales = next(o for o in report.followups[0].outcomes if o.key == "monthly_sales_pen")
    assert sales.itt is not None and sales.itt.covers(300.0)
    assert sales.itt.ci_low > 0  # a real effect of 300 against noise of 100 is found
    assert sales.itt_baseline is not None and sales.itt_baseline.se < sales.itt.se
    text = page.content.decode()
    assert "Impacto del sorteo" in text or "Impact from the lottery" in text
    assert reverse("impact:export", args=[lottery_run.pk]) in text


def test_small_cells_are_not_published(
    client: Client, users: dict[str, User], lottery_run: SelectionRun, settings: Any
) -> None:
    _fill_answers(lottery_run)
    _rb, report = selectors.impact_report(lottery_run, k=40)  # every arm is under 40
    assert report is not None
    assert report.band.treatment is None and report.band.control is None
    outcomes = {o.key: o for o in report.followups[0].outcomes}
    assert all(o.itt is None and o.iv is None for o in outcomes.values())
    assert outcomes["monthly_sales_pen"].note == "small"
    assert outcomes["employees"].note == "not_estimable"  # nobody was asked
    assert all(b.row is None for b in report.balance)


def test_coordinator_reads_but_may_not_download_and_instructor_is_refused(
    client: Client, users: dict[str, User], lottery_run: SelectionRun
) -> None:
    client.force_login(users["coordinator"])
    assert client.get(reverse("impact:runs")).status_code == 200
    page = client.get(reverse("impact:report", args=[lottery_run.pk]))
    assert page.status_code == 200
    assert reverse("impact:export", args=[lottery_run.pk]) not in page.content.decode()
    assert client.get(reverse("impact:export", args=[lottery_run.pk])).status_code == 403
    client.force_login(users["instructor"])
    assert client.get(reverse("impact:report", args=[lottery_run.pk])).status_code == 403
    assert client.get(reverse("impact:export", args=[lottery_run.pk])).status_code == 403
    client.force_login(users["learner"])
    assert client.get(reverse("impact:report", args=[lottery_run.pk])).status_code == 404
    assert client.get(reverse("impact:export", args=[lottery_run.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("impact:report", args=[lottery_run.pk])).status_code == 302


def test_unknown_or_unpublished_runs_are_404(
    client: Client, users: dict[str, User], lottery_run: SelectionRun
) -> None:
    client.force_login(users["admin"])
    for url in (
        reverse("impact:report", args=[lottery_run.pk + 99]),
        reverse("impact:export", args=[lottery_run.pk + 99]),
        "/informes/impacto/abc/",
        "/informes/impacto/99999999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url
    SelectionRun.objects.filter(pk=lottery_run.pk).update(state=SelectionRun.State.DRY_RUN)
    assert client.get(reverse("impact:report", args=[lottery_run.pk])).status_code == 404


def test_a_run_without_a_band_says_so_instead_of_estimating(
    client: Client, users: dict[str, User], call: Call
) -> None:
    run = publish_call(call, applicants=12, seats=20)  # everyone admitted: nothing drawn
    client.force_login(users["admin"])
    page = client.get(reverse("impact:report", args=[run.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "sorteo" in text and "<table" not in text
    assert client.get(reverse("impact:export", args=[run.pk])).status_code == 404


def test_tampered_stored_decisions_are_reported_not_estimated(
    client: Client, users: dict[str, User], lottery_run: SelectionRun
) -> None:
    rb = selectors.run_band(lottery_run)
    inside = int(rb.application_ids[rb.z == 0][0])
    stratum = rb.strata[rb.z == 0][0]
    out = int(rb.application_ids[(rb.z == 1) & (rb.strata == stratum)][0])
    admitted = [i for i in lottery_run.admitted_ids if i != out] + [inside]
    waitlist = [i for i in lottery_run.waitlist_ids if i != inside] + [out]
    SelectionRun.objects.filter(pk=lottery_run.pk).update(
        admitted_ids=admitted, waitlist_ids=waitlist
    )
    run = SelectionRun.objects.get(pk=lottery_run.pk)
    assert not selectors.run_band(run).ok
    client.force_login(users["admin"])
    page = client.get(reverse("impact:report", args=[run.pk]))
    assert page.status_code == 200 and "<table" not in page.content.decode()


def test_the_evaluator_export_has_every_member_pseudonymised_and_is_audited(
    client: Client, users: dict[str, User], lottery_run: SelectionRun
) -> None:
    _fill_answers(lottery_run)
    # Someone who objected to analytics is left out.
    rb = selectors.run_band(lottery_run)
    objector = Application.objects.get(pk=int(rb.application_ids[0]))
    Objection.objects.create(email=objector.email, purpose=Objection.Purpose.ANALYTICS)
    client.force_login(users["admin"])
    response = client.get(reverse("impact:export", args=[lottery_run.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == len(rb.application_ids) - 1
    assert {r["seed"] for r in rows} == {lottery_run.seed}
    assert {r["arm"] for r in rows} == {"treatment", "control"}
    assert all(len(r["person"]) == 16 for r in rows)
    assert not any(str(objector.pk) == r["person"] for r in rows)
    assert "dni" not in body.lower() and objector.email not in body
    # The export reproduces the report's ITT: same rows, same estimator.
    from yachay.impact import estimate

    y = np.array([float(r["3m_monthly_sales_pen"] or "nan") for r in rows])
    z = np.array([r["arm"] == TREATMENT for r in rows], dtype=float)
    s = np.array([int(r["stratum"]) for r in rows])
    _rb, report = selectors.impact_report(lottery_run, k=1)
    assert report is not None
    sales = next(o for o in report.followups[0].outcomes if o.key == "monthly_sales_pen")
    assert sales.itt is not None
    assert estimate.itt(y, z, s).effect == pytest.approx(sales.itt.effect, rel=1e-9)
    assert AuditEvent.objects.filter(action="export.csv").exists()


def test_the_page_is_in_spanish_and_warns_when_the_arms_got_different_words(
    client: Client, users: dict[str, User], lottery_run: SelectionRun, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    _fill_answers(lottery_run)
    rb = selectors.run_band(lottery_run)
    treated = rb.application_ids[rb.z == 1][:3].tolist()
    Invitation.objects.filter(application_id__in=treated, survey__slug="seguimiento-3m").update(
        wording=Invitation.Wording.LEARNER
    )
    _rb, report = selectors.impact_report(lottery_run, k=1)
    assert report is not None
    assert report.followups[0].learner_wording.treatment == 3
    client.force_login(users["admin"])
    text = client.get(reverse("impact:report", args=[lottery_run.pk])).content.decode()
    for words in (
        "Impacto del sorteo",
        "Qué pueden decir estas cifras y qué no",
        "Efecto de ser admitido",
        "no se les preguntó con las mismas palabras",
        "Ventas en un mes normal (soles)",
    ):
        assert words in text, words
    for english in ("Effect of being admitted", "Who answered", "The band"):
        assert english not in text, english
