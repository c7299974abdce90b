"""What selection holds about applicants (the registry: yachay/core/personal_data.py).

Runs store their inputs by application id with the four facts the targets count (gender,
department group, department, segment); decisions copy those facts. Both are kept when a
person is cancelled or shredded: they identify nobody once the application is anonymised,
and they are the published, reproducible record of why each seat went where it went.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

RECORD = _(
    "the published selection's record (who got which seat, and why) must stay reproducible; "
    "keyed by application id, it identifies nobody once the application is anonymised"
)
TARGETS = _("the targets are counted on these facts")


def _kept(category: C, purpose: object) -> Field:
    return Field(category, purpose, R.AGGREGATE, X.KEEP, reason=RECORD)  # type: ignore[arg-type]


declare("selection.SelectionPolicy", not_personal="id call kind seed weights mode offer_days")
declare(
    "selection.SelectionRun",
    subject="applicant",
    purpose=_("to choose the participants of a call by its published rules"),
    personal={
        "problem": _kept(C.DEMOGRAPHIC, TARGETS),
        "ineligible": _kept(C.DEMOGRAPHIC, _("which rules each ineligible application failed")),
    },
    not_personal=(
        "id call state created_at created_by actor_label published_at seed mode policy "
        "inputs_hash status objective total_shortfall admit_count admitted_ids waitlist_ids "
        "decisions_hash targets departments shortfalls solver solve_seconds error"
    ),
)
declare(
    "selection.Decision",
    subject="applicant",
    purpose=_("the outcome of the selection for one application"),
    personal={
        "gender": _kept(C.DEMOGRAPHIC, TARGETS),
        "department_group": _kept(C.DEMOGRAPHIC, TARGETS),
        "department": _kept(C.DEMOGRAPHIC, TARGETS),
        "segment": _kept(C.DEMOGRAPHIC, TARGETS),
    },
    not_personal="id run application outcome position priority rules decided_at",
)
declare(
    "selection.Offer",
    not_personal="id decision state created_at expires_at responded_at promoted",
)
