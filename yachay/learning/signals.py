"""What learning announces to the apps above it. Learning imports none of them: an app that
cares connects a receiver in its ``AppConfig.ready`` (certificates issues one)."""

from __future__ import annotations

from django.dispatch import Signal

# This enrollment was completed (every course of its track), and the change is committed.
# Sent with ``enrollment_id: int``.
enrollment_completed = Signal()
