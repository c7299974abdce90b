"""The reports' only writes: their summary tables, derived from the apps below.

A refresh replaces a summary whole from the rows it derives from, in one transaction, so a
reader sees the old summary or the new one. It writes no audit row: it changes no one's
data and runs every few minutes (an audit row each time would bury the real ones); when it
ran is kept in ``SummaryRefresh``.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from yachay.cohorts.models import Attendance, Enrollment, Session
from yachay.learning.models import LessonProgress, QuizAttempt
from yachay.reports.models import LearnerActivity, SummaryRefresh

ACTIVITY = "learner_activity"


def learner_activity_refresh() -> int:
    """Rebuild ``LearnerActivity`` (for each enrollment, its learner's latest lesson or quiz
    attempt, or session attended) in one INSERT ... SELECT; return the number of rows."""
    started = time.perf_counter()
    qn = connection.ops.quote_name
    t = {
        "act": LearnerActivity._meta.db_table,
        "lp": LessonProgress._meta.db_table,
        "qa": QuizAttempt._meta.db_table,
        "att": Attendance._meta.db_table,
        "ses": Session._meta.db_table,
        "enr": Enrollment._meta.db_table,
    }
    t = {k: qn(v) for k, v in t.items()}
    # Table names from the models' metadata, quoted; the statuses are parameters.
    # Per enrollment: its learner's lessons and attempts, and its own attendance.
    sql = (
        f"INSERT INTO {t['act']} (enrollment_id, last_activity_at) "  # noqa: S608
        "SELECT enrollment_id, MAX(at) FROM ("
        f"SELECT e.id AS enrollment_id, x.at FROM {t['enr']} e JOIN ("
        f"SELECT user_id, MAX(completed_at) AS at FROM {t['lp']} GROUP BY user_id "
        f"UNION ALL SELECT user_id, MAX(submitted_at) FROM {t['qa']} GROUP BY user_id"
        ") AS x ON x.user_id = e.user_id "
        f"UNION ALL SELECT a.enrollment_id, MAX(s.starts_at) FROM {t['att']} a "
        f"JOIN {t['ses']} s ON s.id = a.session_id "
        "WHERE a.status IN (%s, %s) GROUP BY a.enrollment_id"
        ") AS y GROUP BY enrollment_id"
    )
    with transaction.atomic():
        LearnerActivity.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, list(Attendance.ATTENDED))
        count = LearnerActivity.objects.count()
        SummaryRefresh.objects.update_or_create(
            name=ACTIVITY,
            defaults={"refreshed_at": timezone.now(), "seconds": time.perf_counter() - started},
        )
    return count
