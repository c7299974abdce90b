"""The learners' activity summary: what "active" counts, refreshed by a background task."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yachay.learning.models import LessonProgress
from yachay.reports.models import LearnerActivity, SummaryRefresh
from yachay.reports.selectors import Scope, activity_as_of, funnel
from yachay.reports.services import learner_activity_refresh
from yachay.reports.tasks import refresh_summaries
from yachay.reports.tests.conftest import World


def test_each_enrollment_gets_its_learners_latest_activity(world: World) -> None:
    rows = dict(LearnerActivity.objects.values_list("enrollment_id", "last_activity_at"))
    e = world.enrollments
    # 0 was marked absent only, 4 waits for a cohort: no activity.
    assert set(rows) == {e[1].pk, e[2].pk, e[3].pk}
    assert rows[e[3].pk] < timezone.now() - dt.timedelta(days=29)  # the old quiz
    assert activity_as_of() is not None


def test_new_activity_counts_after_the_next_refresh(world: World) -> None:
    scope = Scope.everything()
    assert funnel(world.call, scope=scope, weekly=False).total.counts["active"] == 2
    LessonProgress.objects.create(
        user=world.enrollments[3].user, course=world.course, activity_id="l9"
    )
    assert funnel(world.call, scope=scope, weekly=False).total.counts["active"] == 2
    learner_activity_refresh()
    assert funnel(world.call, scope=scope, weekly=False).total.counts["active"] == 3


def test_the_task_refreshes_and_records_when(world: World) -> None:
    SummaryRefresh.objects.all().delete()
    assert refresh_summaries.call(reschedule=False) == 3
    assert SummaryRefresh.objects.get().refreshed_at <= timezone.now()
