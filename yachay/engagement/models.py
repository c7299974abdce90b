"""Messages to learners and applicants: every one made (sent, held out or suppressed, and
why), each person's channel choices and opt-outs, and delivery reports from providers.

A person is known by their application (``Message.application``): offers go to applicants
who have no account yet, and an application holds the name, address, phone and language
they gave. Choices and opt-outs follow the person's email address (normalised), so they
hold across calls.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.intake.models import Application


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class Kind(models.TextChoices):
    """What a person can unsubscribe from, one kind at a time."""

    REMINDERS = "reminders", _("session reminders")
    NUDGES = "nudges", _("encouragement to keep going")
    OFFERS = "offers", _("reminders to answer an offer")
    CERTIFICATES = "certificates", _("certificate notices")
    SURVEYS = "surveys", _("invitations to answer a survey")


class Message(models.Model):
    """One message a rule made for one person and one occurrence (a session, an inactivity
    streak, an attempt...): the unique key is what makes a rerun, or two workers at once,
    send it once. Suppressed and held-out messages are rows too, with their reason."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        READ = "read", _("read")
        FAILED = "failed", _("failed")
        UNKNOWN = "unknown", _("unknown (provider did not answer)")
        SUPPRESSED = "suppressed", _("not sent")
        HELD_OUT = "held_out", _("held out (comparison group)")

    class Reason(models.TextChoices):
        NONE = "", _("—")
        UNSUBSCRIBED = "unsubscribed", _("unsubscribed from this kind")
        OBJECTED = "objected", _("objected to this use of their data")
        FREQUENCY_CAP = "frequency_cap", _("weekly limit of nudges reached")
        NO_CHANNEL = "no_channel", _("no channel they accept")
        NOT_MOBILE = "not_mobile", _("phone is not a mobile")
        NO_CONTACT = "no_contact", _("no address or phone")
        PROVIDER_REFUSED = "provider_refused", _("refused by the provider")

    rule = models.CharField(_("rule"), max_length=60)
    rule_version = models.CharField(_("rule version"), max_length=16)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurrence = models.CharField(_("occurrence"), max_length=60)
    application = models.ForeignKey(
        Application,
        verbose_name=_("person (application)"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, blank=True)
    language = models.CharField(_("language"), max_length=5, default="es")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.CharField(
        _("why not sent"), max_length=20, choices=Reason.choices, blank=True, default=""
    )
    # What the person was sent, for staff to read back (rendered text, no secrets).
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    context = models.JSONField(_("values"), default=dict, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True, db_index=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("made at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    status_at = models.DateTimeField(_("status at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "application", "occurrence"], name="message_once_per_occurrence"
            )
        ]
        indexes = [
            models.Index(fields=["application", "created_at"]),
            models.Index(fields=["rule", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.application_id} ({self.occurrence}): {self.status}"

    @property
    def key(self) -> str:
        """The idempotency key: rule × person × occurrence (ids only, no personal data)."""
        return f"nudge:{self.rule}:{self.application_id}:{self.occurrence}"


class ContactPreference(models.Model):
    """One person's channel choices: WhatsApp only with their opt-in; SMS and email allowed
    by the application's consent until they say no."""

    email = models.EmailField(_("email"), unique=True)  # lowercased
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=8, choices=Channel.choices, blank=True
    )
    email_ok = models.BooleanField(_("email allowed"), default=True)
    sms_ok = models.BooleanField(_("SMS allowed"), default=True)
    whatsapp_opt_in_at = models.DateTimeField(_("WhatsApp opt-in"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")

    def __str__(self) -> str:
        return f"#{self.pk}"


class Unsubscription(models.Model):
    """A person said no to one kind of message (a link, a reply BAJA, a page)."""

    class Source(models.TextChoices):
        LINK = "link", _("unsubscribe link")
        ONE_CLICK = "one_click", _("one-click (mail program)")
        SMS = "sms", _("SMS reply BAJA")
        STAFF = "staff", _("staff, on their request")

    email = models.EmailField(_("email"))  # lowercased
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("how"), max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        constraints = [
            models.UniqueConstraint(fields=["email", "kind"], name="unsubscribed_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class DeliveryReport(models.Model):
    """One status report a provider sent to our webhook (signature checked first)."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    provider_id = models.CharField(_("provider's id"), max_length=100)
    status = models.CharField(_("status"), max_length=30)
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery report")
        verbose_name_plural = _("delivery reports")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.provider_id}: {self.status}"
