"""The privacy app's tables: each call's retention rule, the log of cancellations that a
restore from a backup must re-apply, and the ARCO requests (cases)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.intake.models import Application
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


class Case(models.Model):
    """One ARCO request (access, rectification, cancellation, opposition; Ley 29733) and
    its handling: who asked, what, the legal deadline, who handled it and the answer sent.

    People and staff reach a case by ``code``, a random token: ids never appear in an
    address, so a guessed one shows nothing. ``reference`` is the short name people quote.
    """

    class Kind(models.TextChoices):
        ACCESS = "access", _("access")
        RECTIFICATION = "rectification", _("rectification")
        CANCELLATION = "cancellation", _("cancellation")
        OPPOSITION = "opposition", _("opposition")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received, waiting for the person's confirmation")
        CONFIRMED = "confirmed", _("identity confirmed")
        IN_PROGRESS = "in_progress", _("in progress")
        ANSWERED = "answered", _("answered")
        REJECTED = "rejected", _("rejected")

    class Route(models.TextChoices):
        ACCOUNT = "account", _("signed in to their account")
        EMAIL = "email", _("confirmed from the email on file")
        DNI = "dni", _("DNI and application reference, confirmed from the email on file")

    OPEN = (Status.CONFIRMED, Status.IN_PROGRESS)

    code = models.CharField(_("code"), max_length=64, unique=True)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    kind = models.CharField(_("request"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    route = models.CharField(_("identity proven by"), max_length=8, choices=Route.choices)
    # The address on file that the answer goes to (emptied once a cancellation is answered).
    email = models.CharField(_("email"), max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_cases",
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_cases",
    )
    # Rectification: {"changes": {field: new value}}; opposition: {"purposes": [...]}.
    details = models.JSONField(_("details"), default=dict, blank=True)
    note = models.TextField(_("what the person wrote"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=5, default="es")
    # The form's one-time token: a double click or a retry finds the same case.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True)
    # The confirmation link's single-use part: emptied when the link is used.
    confirm_nonce = models.CharField(_("confirmation nonce"), max_length=64, blank=True)

    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    due_on = models.DateField(_("answer due on"), null=True, blank=True, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer sent"), blank=True)

    class Meta:
        verbose_name = _("ARCO request")
        verbose_name_plural = _("ARCO requests")
        ordering = ["due_on", "created_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def overdue_on(self, today: dt.date) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today
