from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per state change: who, what, which object, old -> new.

    ``changes`` never holds personal data (DNI, birth date, phone, email):
    services record statuses, references and counts only.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=120)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class SentEmail(models.Model):
    """One row per email sent by a task, under a key that names what it is about
    (``offer:42``, ``cohort:7:3:…``, ``login-link:<request>``): a task that runs twice finds
    the row and sends nothing. Keys hold ids, never addresses or other personal data."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sent email")
        verbose_name_plural = _("sent emails")

    def __str__(self) -> str:
        return self.key


class Objection(models.Model):
    """A person's objection to one purpose of the treatment of their data (opposition,
    Ley 29733), keyed by their normalised email so that any app can check it before writing
    to them (``core.objections.objects_to``). Written by the privacy app's services."""

    class Purpose(models.TextChoices):
        REMINDERS = "reminders", _("reminders and nudges about the program")
        SURVEYS = "surveys", _("surveys and follow-up questions")
        ANALYTICS = "analytics", _("analysis and statistics about learners")

    email = models.CharField(_("email"), max_length=254)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # What recorded it, without personal data (``privacy-case:<reference>``).
    source = models.CharField(_("source"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.UniqueConstraint(fields=["email", "purpose"], name="one_objection_per_purpose")
        ]

    def __str__(self) -> str:
        return self.get_purpose_display()
