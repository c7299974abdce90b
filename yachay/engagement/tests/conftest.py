"""A cohort with learners and a small course (learning's fixtures), and times in Lima."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from yachay.cohorts.tests.conftest import Live, live
from yachay.learning.tests.conftest import Learning, learning

LIMA = ZoneInfo("America/Lima")


def lima(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    """A moment in Lima (a weekday in March 2026)."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=LIMA)


__all__ = ["LIMA", "Learning", "Live", "learning", "lima", "live"]
