from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yachay.core import ubigeo
from yachay.core.choices import DepartmentGroup, Gender, Modality, Segment


class Program(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    partners = models.TextField(
        _("partner organisations"), blank=True, help_text=_("One organisation per line.")
    )
    seats_target = models.PositiveIntegerField(_("seats target"), help_text=_("e.g. 20000"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The program cannot end before it starts.")})

    @property
    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partners.splitlines() if line.strip()]


class Target(models.Model):
    """A published target: e.g. at least 50% women, at least 40% outside Lima + Callao."""

    class Kind(models.TextChoices):
        MIN = "min", _("at least")
        MAX = "max", _("at most")

    class Measure(models.TextChoices):
        COUNT = "count", _("people")
        SHARE = "share", _("percent of seats")

    class Dimension(models.TextChoices):
        GENDER = "gender", _("gender")
        DEPARTMENT_GROUP = "department_group", _("department group")
        DEPARTMENT = "department", _("department")
        SEGMENT = "segment", _("segment")

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="targets"
    )
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    measure = models.CharField(_("measure"), max_length=5, choices=Measure.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("A number of people, or a percentage from 0 to 100."),
    )
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    value = models.CharField(
        _("group"),
        max_length=20,
        help_text=_("female, lima_callao / rest, a department code such as 08, or a segment."),
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "dimension", "value"], name="one_target_per_group_kind"
            )
        ]

    def __str__(self) -> str:
        unit = "%" if self.measure == self.Measure.SHARE else ""
        return f"{self.get_kind_display()} {self.amount.normalize():f}{unit} {self.group_label}"

    @property
    def group_label(self) -> str:
        labels: dict[str, dict[str, Any]] = {
            self.Dimension.GENDER: dict(Gender.choices),
            self.Dimension.DEPARTMENT_GROUP: dict(DepartmentGroup.choices),
            self.Dimension.SEGMENT: dict(Segment.choices),
            self.Dimension.DEPARTMENT: ubigeo.places().departments,
        }
        return str(labels.get(self.dimension, {}).get(self.value, self.value))

    def clean(self) -> None:
        valid: dict[str, set[str]] = {
            self.Dimension.GENDER: set(Gender.values),
            self.Dimension.DEPARTMENT_GROUP: set(DepartmentGroup.values),
            self.Dimension.SEGMENT: set(Segment.values),
            self.Dimension.DEPARTMENT: set(ubigeo.places().departments),
        }
        if self.dimension in valid and self.value not in valid[self.dimension]:
            raise ValidationError(
                {
                    "value": _("Choose one of: %(v)s.")
                    % {"v": ", ".join(sorted(valid[self.dimension]))}
                }
            )
        if self.measure == self.Measure.SHARE and self.amount is not None and self.amount > 100:
            raise ValidationError({"amount": _("A share cannot be above 100%.")})
        if (
            self.measure == self.Measure.COUNT
            and self.amount is not None
            and self.amount != int(self.amount)
        ):
            raise ValidationError({"amount": _("A number of people is a whole number.")})


class Track(models.Model):
    """A learning path and the audience it is for."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="tracks"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    audience = models.JSONField(
        _("audience segments"), default=list, blank=True, help_text=_("Segments this track is for.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["program", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "slug"], name="track_slug_unique_in_program")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        bad = set(self.audience or []) - set(Segment.values)
        if bad:
            raise ValidationError(
                {"audience": _("Unknown segments: %(s)s.") % {"s": ", ".join(sorted(bad))}}
            )


def default_segments() -> list[str]:
    return list(Segment.values)


def default_modalities() -> list[str]:
    return list(Modality.values)


class Call(models.Model):
    """A public call for applicants: when it is open, how many seats, who may apply."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="calls"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    seats = models.PositiveIntegerField(_("seats"))
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=18, validators=[MinValueValidator(14), MaxValueValidator(100)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), default=75, validators=[MinValueValidator(14), MaxValueValidator(120)]
    )
    allowed_segments = models.JSONField(_("allowed segments"), default=default_segments)
    ruc_required_segments = models.JSONField(
        _("segments that must give a RUC"), default=list, blank=True
    )
    # What the call page tells an applicant before the form.
    modalities = models.JSONField(
        _("modalities offered"),
        default=default_modalities,
        help_text=_("Applicants choose among these; offer at least one."),
    )
    length_weeks = models.PositiveSmallIntegerField(
        _("course length in weeks"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
    )
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(40)],
        help_text=_("Live sessions plus the lessons to do on your own, in a usual week."),
    )
    certificate = models.CharField(
        _("certificate"),
        max_length=300,
        blank=True,
        help_text=_(
            "What a learner who completes the course receives, in one sentence. Left empty, "
            "the call page says: a digital certificate that anyone can verify."
        ),
    )
    consent_version = models.CharField(_("consent text version"), max_length=40, default="2026-1")
    consent_text = models.TextField(
        _("consent text"),
        help_text=_("Shown next to the consent box; change the version when you change the text."),
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The call must close after it opens.")
        if self.min_age and self.max_age and self.max_age < self.min_age:
            errors["max_age"] = _("The maximum age cannot be below the minimum age.")
        for field in ("allowed_segments", "ruc_required_segments"):
            value = getattr(self, field)
            if not isinstance(value, list) or set(value) - set(Segment.values):
                errors[field] = _("Use a list of: %(s)s.") % {"s": ", ".join(Segment.values)}
        if not isinstance(self.modalities, list) or set(self.modalities) - set(Modality.values):
            errors["modalities"] = _("Use a list of: %(s)s.") % {"s": ", ".join(Modality.values)}
        elif not self.modalities:
            errors["modalities"] = _("Offer at least one modality.")
        if "allowed_segments" not in errors and not self.allowed_segments:
            errors["allowed_segments"] = _("Allow at least one segment.")
        if errors:
            raise ValidationError(errors)

    def state(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return "upcoming"
        if now >= self.closes_at:
            return "closed"
        return "open"

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == "open"
