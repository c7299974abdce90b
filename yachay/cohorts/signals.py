"""What cohorts announces to the apps above it. Cohorts imports none of them: an app that
cares connects a receiver in its ``AppConfig.ready`` (learning re-checks completion)."""

from __future__ import annotations

from django.dispatch import Signal

# Attendance of these enrollments changed, and the change is committed. Sent with
# ``enrollment_ids: list[int]``.
attendance_changed = Signal()
