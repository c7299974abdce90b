"""Learning's answers to events of the apps below it, connected in ``LearningConfig.ready``."""

from __future__ import annotations

from typing import Any

from yachay.learning.tasks import evaluate_completions


def attendance_changed(sender: Any, *, enrollment_ids: list[int], **kwargs: Any) -> None:
    """Attendance counts for completion: re-check it on the task queue."""
    evaluate_completions.enqueue(enrollment_ids=enrollment_ids)
