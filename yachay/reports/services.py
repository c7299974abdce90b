"""The reports' only writes: their summary tables and the snapshot of public aggregates,
derived from the apps below (nothing is written back to the data they read).

A refresh replaces a summary whole from the rows it derives from, in one transaction, so a
reader sees the old summary or the new one. It writes no audit row: it changes no one's
data and runs every few minutes (an audit row each time would bury the real ones); when it
ran is kept in ``SummaryRefresh``.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from yachay.cohorts.models import Attendance, Enrollment, Session
from yachay.core.actors import Actor
from yachay.core.services import audit_record
from yachay.learning.models import LessonProgress, QuizAttempt
from yachay.reports import public
from yachay.reports.models import LearnerActivity, PublicSnapshot, SummaryRefresh

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


#: Snapshots kept (the newest is published; the others are there to compare by hand).
KEEP_SNAPSHOTS = 48


def public_snapshot_refresh(*, actor: Actor, now: dt.datetime | None = None) -> PublicSnapshot:
    """Count the public aggregates now (``public.compute``: suppressed), store them as the
    newest snapshot, delete the oldest beyond ``KEEP_SNAPSHOTS``; audited
    (``transparency.publish``, with the digest and the number of calls)."""
    now = now or timezone.now()
    # The funnel's "active" stage reads the activity summary: counted fresh for what is
    # published (a first start has none yet; the summaries' own job runs every few minutes).
    learner_activity_refresh()
    data = public.compute(now=now)  # reads only: outside the transaction
    with transaction.atomic():
        snapshot = PublicSnapshot.objects.create(
            computed_at=now, k=data["k"], digest=public.digest(data), data=data
        )
        stale = PublicSnapshot.objects.order_by("-computed_at", "-id").values_list("pk", flat=True)[
            KEEP_SNAPSHOTS:
        ]
        PublicSnapshot.objects.filter(pk__in=list(stale)).delete()
        audit_record(
            actor=actor,
            action="transparency.publish",
            obj=snapshot,
            changes={"digest": snapshot.digest, "calls": len(data["calls"]), "k": data["k"]},
        )
    return snapshot
