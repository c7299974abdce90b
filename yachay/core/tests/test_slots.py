"""Schedule slots and their hours: one table that the form, the call page, the API and the
cohort pages all read."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from yachay.core.choices import SLOT_HOURS, Schedule, slot_choices, slot_hours, slot_label


def test_every_slot_has_hours_that_start_before_they_end() -> None:
    assert set(SLOT_HOURS) == set(Schedule.values)
    for start, end in SLOT_HOURS.values():
        assert dt.time(6) <= start < end <= dt.time(23)


def test_hours_are_written_on_a_24_hour_clock_without_a_leading_zero() -> None:
    assert slot_hours("morning") == "9:00–12:00"
    assert slot_hours("evening") == "19:00–22:00"


def test_labels_carry_the_hours_in_the_active_language() -> None:
    with translation.override("es"):
        assert [str(label) for _, label in slot_choices()] == [
            "mañana, 9:00–12:00",
            "tarde, 15:00–18:00",
            "noche, 19:00–22:00",
            "fin de semana, sábados 9:00–13:00",
        ]
    with translation.override("en"):
        assert str(slot_label("afternoon")) == "afternoon, 15:00–18:00"
