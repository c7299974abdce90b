"""Selection gives places; cohorts (above it) keeps them, registered in its AppConfig.ready."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from yachay.cohorts import selectors, services
from yachay.selection import places


def test_cohorts_registers_itself_as_the_keeper_of_places() -> None:
    keeper = places.keeper()
    assert keeper.placed is selectors.applications_placed
    assert keeper.take is services.enrollment_take


def test_without_a_keeper_selection_says_which_app_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(places, "_keeper", None)
    with pytest.raises(ImproperlyConfigured, match=r"yachay\.cohorts"):
        places.keeper()
