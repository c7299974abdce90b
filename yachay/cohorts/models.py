from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.intake.models import Application


class Enrollment(models.Model):
    """A learner's place in the program, made when they accept an offer.

    It waits for a cohort; the cohorts issue adds the cohort and the later states.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for a cohort")

    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="enrollment",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")

    def __str__(self) -> str:
        return f"{self.application} ({self.get_status_display()})"
