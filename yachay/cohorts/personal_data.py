"""What cohorts hold about learners (the registry: yachay/core/personal_data.py).

An enrollment and its attendance stay when a learner is cancelled, attached to an account
that no longer says who it was: the figures of past cohorts (placed, active, completed,
attendance per session) count them. An instructor's free-text note is erased.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

FIGURES = _(
    "the figures of past cohorts (placed, active, completed, attendance) count it; the "
    "account it belongs to no longer says who it was"
)

declare(
    "cohorts.Cohort",
    not_personal=(
        "id call track name modality department venue slot capacity starts_on ends_on instructors"
    ),
)
declare(
    "cohorts.Session",
    not_personal="id cohort starts_at ends_at topic place meeting_url checkin_secret",
)
declare(
    "cohorts.Enrollment",
    subject="learner",
    purpose=_("the learner's place in a cohort"),
    personal={
        "status": Field(
            C.LEARNING, _("where the learner stands"), R.AGGREGATE, X.KEEP, reason=FIGURES
        ),
        "status_changed_at": Field(
            C.LEARNING, _("where the learner stands"), R.AGGREGATE, X.KEEP, reason=FIGURES
        ),
    },
    not_personal="id application user created_at cohort",
)
declare(
    "cohorts.Attendance",
    subject="learner",
    purpose=_("attendance counts towards completion and the certificate"),
    personal={
        "status": Field(
            C.LEARNING,
            _("attendance counts towards completion"),
            R.AGGREGATE,
            X.KEEP,
            reason=FIGURES,
        ),
        "note": Field(C.FREE_TEXT, _("the instructor's note on an absence"), R.PROGRAM, X.ERASE),
    },
    not_personal="id enrollment session method recorded_at recorded_by",
)
