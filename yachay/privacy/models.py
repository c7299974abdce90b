"""The privacy app's tables: each call's retention rule, and the log of cancellations that a
restore from a backup must re-apply."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.programs.models import Call


class RetentionRule(models.Model):
    """How long a call keeps the applications of people who did not get a place.

    ``months`` after the call closes, ``privacy_shred`` anonymises them (see
    ``yachay/intake/personal_data.py`` for what is kept: the facts the figures count). A call
    without a rule follows ``YACHAY_RETENTION_MONTHS``.
    """

    call = models.OneToOneField(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="retention_rule"
    )
    months = models.PositiveSmallIntegerField(
        _("months after the call closes"),
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Applications of people who got no place (not eligible, waiting list, declined, "
            "expired) are anonymised this many months after the call closes."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"{self.call}: {self.months}"


class Cancellation(models.Model):
    """One cancellation (the C of ARCO), as a restore must re-apply it: which rows, and keyed
    hashes of the DNIs and emails (never the values), so that ``privacy_replay`` finds the
    person again in a database restored from a backup made before it.

    Each row is also appended to the log file outside the database
    (``YACHAY_PRIVACY_LOG``): a restore replaces this table with the backup's.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("cancelled at"), db_index=True)
    actor_label = models.CharField(_("cancelled by"), max_length=120)
    # Staff words, such as an ARCO case number; never the person's data.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    user_ids = models.JSONField(_("accounts"), default=list)
    application_ids = models.JSONField(_("applications"), default=list)
    dni_hashes = models.JSONField(_("keyed hashes of the DNIs"), default=list)
    email_hashes = models.JSONField(_("keyed hashes of the emails"), default=list)
    replayed_at = models.DateTimeField(_("last re-applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}"
