"""The demo's impact data: baseline answers and both arms of the history's band followed up,
through the surveys' services, so that the impact report shows a true, known effect."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from yachay.demo.history import CALL_SLUG
from yachay.demo.impact import demo_impact_load
from yachay.demo.tests.test_history import var_dir  # noqa: F401  (fixture)
from yachay.impact import selectors
from yachay.programs.models import Call
from yachay.selection.models import SelectionRun
from yachay.surveys.models import Answer, Invitation


@pytest.mark.django_db
def test_load_demo_gives_the_history_a_band_with_answers_and_a_report(
    var_dir: Path,  # noqa: F811
) -> None:
    out = StringIO()
    call_command("load_demo", "--applicants", "900", stdout=out)
    assert "Impact:" in out.getvalue()
    call = Call.objects.get(slug=CALL_SLUG)
    run = SelectionRun.objects.get(call=call, state="published")
    rb, report = selectors.impact_report(run, k=5)
    assert rb.ok and report is not None
    # Both arms were invited with the applicants' wording, and both answered, at different
    # rates (realistic non-response).
    followup = Invitation.objects.filter(survey__slug="seguimiento-3m")
    assert followup.count() == len(rb.application_ids)
    assert set(followup.values_list("wording", flat=True)) == {"applicant_followup"}
    three = report.followups[0]
    assert three.responded.treatment is not None and three.responded.control is not None
    assert 0.3 < three.responded.control < three.responded.treatment < 0.9
    # Baseline answers exist for most applicants, and feed the balance table.
    assert Answer.objects.filter(invitation__survey__slug="linea-base").exists()
    assert any(b.source == "baseline" and b.row is not None for b in report.balance)
    # Loading again adds nothing: invitations once per person, surveys answered once.
    before = Answer.objects.count()
    again = demo_impact_load(call=call)
    assert Answer.objects.count() == before
    assert again.baseline_answered == 0 and sum(again.answered.values()) == 0
