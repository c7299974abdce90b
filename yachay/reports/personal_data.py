"""What reports hold about people (the registry: yachay/core/personal_data.py).

Reports keep one summary row per enrollment (when the learner was last active), which the
funnel's "active" stage counts, and the published snapshot of suppressed aggregates, which
names nobody.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

ACTIVE = _("the funnel's 'active' stage: who was active in the last 14 days")

declare(
    "reports.LearnerActivity",
    subject="learner",
    purpose=ACTIVE,
    personal={
        "last_activity_at": Field(
            C.LEARNING,
            ACTIVE,
            R.AGGREGATE,
            X.KEEP,
            reason=_(
                "the figures of past calls count it; the enrollment it belongs to no longer "
                "says who it was"
            ),
        ),
    },
    not_personal="enrollment",
)
declare("reports.SummaryRefresh", not_personal="name refreshed_at seconds")
declare("reports.PublicSnapshot", not_personal="id computed_at k digest data")
