"""The reports' own tables: summaries derived from the apps below, refreshed by a background
task (``tasks.refresh_summaries``), never edited by hand and never read back by those apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.cohorts.models import Enrollment


class LearnerActivity(models.Model):
    """When the learner of an enrollment last did something: a lesson finished, a quiz
    attempt, or a session of their cohort attended (present or late). The funnel's "active"
    stage joins this one row per enrollment instead of probing three tables per learner
    (measured: 20,000 learners x 100 lessons, bench/reports_bench.py)."""

    enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("enrollment"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="report_activity",
    )
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)

    class Meta:
        verbose_name = _("learner activity")
        verbose_name_plural = _("learners' activity")

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.last_activity_at:%Y-%m-%d %H:%M}"


class SummaryRefresh(models.Model):
    """When a summary was last refreshed (one row per summary), for the pages to say how
    fresh their numbers are."""

    name = models.CharField(_("summary"), max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))
    seconds = models.FloatField(_("seconds taken"), default=0)

    class Meta:
        verbose_name = _("summary refresh")
        verbose_name_plural = _("summary refreshes")

    def __str__(self) -> str:
        return f"{self.name} {self.refreshed_at:%Y-%m-%d %H:%M}"


class PublicSnapshot(models.Model):
    """The aggregates published on the transparency page and as open data, as computed at
    ``computed_at`` (``reports.public.compute``), small cells already suppressed: the page
    and the open-data files read the newest one and never count people themselves. A
    background task writes one every ``YACHAY_TRANSPARENCY_REFRESH_MINUTES``; the older ones
    are deleted (a few are kept for a comparison by hand)."""

    computed_at = models.DateTimeField(_("computed at"), db_index=True)
    k = models.PositiveSmallIntegerField(_("smallest published count"))
    digest = models.CharField(_("digest"), max_length=64)
    data = models.JSONField(_("data"))

    class Meta:
        verbose_name = _("published aggregates")
        verbose_name_plural = _("published aggregates")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M} ({self.digest[:8]})"
