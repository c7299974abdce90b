"""Programs, targets, tracks and calls hold no personal data (the registry:
yachay/core/personal_data.py)."""

from __future__ import annotations

from yachay.core.personal_data import declare

declare(
    "programs.Program",
    not_personal="id name slug description partners seats_target starts_on ends_on",
)
declare("programs.Target", not_personal="id program kind measure amount dimension value")
declare("programs.Track", not_personal="id program name slug description audience order")
declare(
    "programs.Call",
    not_personal=(
        "id program title slug description opens_at closes_at seats min_age max_age "
        "allowed_segments ruc_required_segments modalities length_weeks hours_per_week "
        "certificate consent_version consent_text"
    ),
)
