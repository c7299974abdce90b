"""Surveys' answers to events of the apps below it, connected in ``SurveysConfig.ready``."""

from __future__ import annotations

from typing import Any

from yachay.surveys.tasks import invite_completed


def enrollment_completed(sender: Any, *, enrollment_id: int, **kwargs: Any) -> None:
    """A learner completed their track: invite them to the end-of-course survey."""
    invite_completed.enqueue(enrollment_id=enrollment_id)
