"""Reads about programs shared by cohorts and learning."""

from __future__ import annotations

from collections.abc import Iterable

from yachay.programs.models import Track


def track_for_segment(segment: str, tracks: Iterable[Track]) -> Track | None:
    """The track a learner of this segment takes: the first of ``tracks`` (a program's, in
    ``order``) whose audience is empty or includes the segment."""
    for track in tracks:
        if not track.audience or segment in track.audience:
            return track
    return None
