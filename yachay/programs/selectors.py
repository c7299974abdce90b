"""Reads about programs shared by cohorts and learning."""

from __future__ import annotations

from yachay.programs.models import Program, Track


def track_for_segment(
    program: Program, segment: str, tracks: list[Track] | None = None
) -> Track | None:
    """The track a learner of this segment takes: the program's first track (by order)
    whose audience is empty or includes the segment. Pass ``tracks`` to avoid a query."""
    for track in tracks if tracks is not None else program.tracks.order_by("order", "pk"):
        if not track.audience or segment in track.audience:
            return track
    return None
