"""A cohort's slot is shown with its hours, from the one table in core.choices."""

from __future__ import annotations

from django.utils import translation

from yachay.cohorts import assignment
from yachay.cohorts.models import Cohort
from yachay.cohorts.services import reason_text


def test_a_cohort_shows_its_slot_with_hours() -> None:
    with translation.override("es"):
        assert Cohort(slot="afternoon").get_slot_display() == "tarde, 15:00–18:00"
        assert Cohort(slot="weekend").get_slot_display() == "fin de semana, sábados 9:00–13:00"


def test_why_a_learner_has_no_cohort_names_the_slots_with_hours() -> None:
    reason = assignment.Reason(
        code=assignment.NO_COHORT, params={"modality": "virtual", "slots": ["morning", "evening"]}
    )
    with translation.override("es"):
        assert "mañana, 9:00–12:00; noche, 19:00–22:00" in reason_text(reason)
