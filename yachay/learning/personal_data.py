"""What learning holds about learners (the registry: yachay/core/personal_data.py).

Progress, attempts and completions stay when a learner is cancelled, attached to an account
that no longer says who it was: the funnel (active, completed) and the quality of each quiz
question (difficulty, discrimination) are computed from them. The answers themselves are
erased: a text answer may say anything about its author.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

PROGRESS = _("to show the learner their progress and decide completion")
FIGURES = _(
    "the figures (active, completed, the quality of each quiz question) count it; the "
    "account it belongs to no longer says who it was"
)


def _record(purpose: object = PROGRESS) -> Field:
    return Field(C.LEARNING, purpose, R.AGGREGATE, X.KEEP, reason=FIGURES)  # type: ignore[arg-type]


declare(
    "learning.Course",
    not_personal="id slug title language summary tracks track_slugs current_version created_at",
)
declare(
    "learning.CourseVersion",
    not_personal="id course number label content_hash rules imported_at imported_by",
)
declare(
    "learning.Activity",
    not_personal=(
        "id version activity_id kind module_id module_title module_position position title "
        "minutes source_path html images quiz max_attempts points_possible"
    ),
)
declare(
    "learning.CourseAsset",
    not_personal="id version path sha256 content_type size content",
)
declare(
    "learning.LessonProgress",
    subject="learner",
    purpose=PROGRESS,
    personal={"completed_at": _record()},
    not_personal="id user course activity_id",
)
declare(
    "learning.QuizAttempt",
    subject="learner",
    purpose=PROGRESS,
    personal={
        "answers": Field(C.FREE_TEXT, _("to grade the attempt"), R.PROGRAM, X.ERASE),
        "results": _record(_("to show the learner what was right and grade the quiz")),
        "score_percent": _record(),
        "submitted_at": _record(),
    },
    not_personal="id user course version activity_id number",
)
declare(
    "learning.QuizAttemptGrant",
    subject="learner",
    purpose=_("one more attempt, given by an instructor"),
    personal={"granted_at": _record()},
    not_personal="id user course activity_id granted_by",
)
declare(
    "learning.Completion",
    subject="learner",
    purpose=_("the learner completed the course"),
    personal={"completed_at": _record(), "details": _record()},
    not_personal="id user course version",
)
