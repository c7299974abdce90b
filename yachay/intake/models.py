from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.core import ubigeo
from yachay.core.choices import Gender, Modality, Sector, Segment
from yachay.core.dates import age_on
from yachay.core.text import spanish_sort_key
from yachay.programs.models import Call


class Application(models.Model):
    """One person's application to one call. Written once by intake; later steps
    (selection, cohorts) read it and never edit what the person declared."""

    class Status(models.TextChoices):
        """Where the application stands, from receipt to a place in a cohort.

        Intake writes ``submitted``; the later steps move it forward through
        ``intake.services.applications_status_set`` (selection publishes, offers are
        answered or expire, learners are placed), in the same transaction as the change.
        Eligibility is only final when a selection is published, so there is no
        separate "eligible" step: an eligible application is admitted or waitlisted.
        """

        SUBMITTED = "submitted", _("received")
        INELIGIBLE = "ineligible", _("not eligible")
        ADMITTED = "admitted", _("admitted, offer pending")
        WAITLISTED = "waitlisted", _("on the waiting list")
        ACCEPTED = "accepted", _("accepted the place")
        DECLINED = "declined", _("declined the place")
        EXPIRED = "expired", _("offer expired")
        ENROLLED = "enrolled", _("enrolled in a cohort")

    class Source(models.TextChoices):
        WEB = "web", _("web form")
        API = "api", _("API")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    reference = models.CharField(_("reference"), max_length=10, unique=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    source = models.CharField(_("source"), max_length=3, choices=Source.choices)
    api_key = models.ForeignKey(
        "accounts.ApiKey",
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    # The web form's one-time token: a double click or a retry finds the same application.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True)
    language = models.CharField(_("language"), max_length=5, default="es")

    dni = models.CharField(_("DNI"), max_length=8)
    dni_check = models.CharField(_("DNI check character"), max_length=1, blank=True)
    given_names = models.CharField(_("given names"), max_length=80)
    paternal_surname = models.CharField(_("paternal surname"), max_length=80)
    maternal_surname = models.CharField(_("maternal surname"), max_length=80, blank=True)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("mobile phone"), max_length=16)
    ubigeo = models.CharField(_("ubigeo"), max_length=6)
    department = models.CharField(_("department"), max_length=2, db_index=True)

    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)
    ruc = models.CharField(_("RUC"), max_length=11, blank=True)
    business_name = models.CharField(_("business name"), max_length=200, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    woman_led = models.BooleanField(_("business led by a woman"), null=True, blank=True)

    digital_level = models.PositiveSmallIntegerField(
        _("digital skills (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    modality = models.CharField(_("preferred modality"), max_length=10, choices=Modality.choices)
    schedules = models.JSONField(_("available schedules"), default=list)
    accessibility_needs = models.TextField(_("accessibility needs"), max_length=500, blank=True)

    consent_version = models.CharField(_("consent version"), max_length=40)
    consent_at = models.DateTimeField(_("consent given at"))
    consent_ip = models.GenericIPAddressField(_("consent given from"))

    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "dni"], name="one_application_per_dni_per_call")
        ]
        indexes = [models.Index(fields=["call", "department"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def full_name(self) -> str:
        return " ".join(
            p for p in (self.given_names, self.paternal_surname, self.maternal_surname) if p
        )

    @property
    def listed_name(self) -> str:
        """Surnames first, as staff lists are sorted: "Ñahui Quispe, Killa"."""
        surnames = " ".join(p for p in (self.paternal_surname, self.maternal_surname) if p)
        return ", ".join(p for p in (surnames, self.given_names) if p)

    def name_sort_key(self) -> tuple[object, ...]:
        """Where this person goes in a list sorted by name, in Spanish alphabetical order."""
        return spanish_sort_key(self.paternal_surname, self.maternal_surname, self.given_names)

    @property
    def department_group(self) -> str:
        return ubigeo.department_group(self.ubigeo)

    @property
    def place(self) -> str:
        return ubigeo.name(self.ubigeo)

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)
