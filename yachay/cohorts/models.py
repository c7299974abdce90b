from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.core.choices import Schedule, slot_label
from yachay.intake.models import Application
from yachay.programs.models import Call, Track


class Cohort(models.Model):
    """A group of learners of one track who learn together at one schedule slot."""

    class Modality(models.TextChoices):
        VIRTUAL = "virtual", _("virtual")
        IN_PERSON = "in_person", _("in person")
        HYBRID = "hybrid", _("hybrid")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="cohorts"
    )
    track = models.ForeignKey(
        Track, verbose_name=_("track"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=120)
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices)
    department = models.CharField(
        _("department"),
        max_length=2,
        blank=True,
        help_text=_("INEI code; for in-person and hybrid cohorts."),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    slot = models.CharField(_("schedule slot"), max_length=10, choices=Schedule.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructors"),
        blank=True,
        related_name="cohorts_taught",
    )

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["call", "name"]

    def __str__(self) -> str:
        return self.name

    def get_slot_display(self) -> str:  # type: ignore[no-redef]  # Django keeps an override
        """The slot with its hours ("tarde, 15:00–18:00"), wherever a cohort's slot is shown."""
        return str(slot_label(self.slot)) if self.slot in Schedule.values else self.slot

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from yachay.core import ubigeo

        errors: dict[str, object] = {}
        if self.modality == self.Modality.VIRTUAL and self.department:
            errors["department"] = _("A virtual cohort has no department.")
        if self.modality != self.Modality.VIRTUAL and not ubigeo.exists(self.department or "-"):
            errors["department"] = _(
                "An in-person or hybrid cohort needs the department of its venue."
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The cohort cannot end before it starts.")
        if self.pk and self.capacity is not None:
            placed = self.enrollments.exclude(status=Enrollment.Status.DROPPED).count()
            if self.capacity < placed:
                errors["capacity"] = _(
                    "%(n)d learners are already in this cohort; move some before lowering its "
                    "capacity below that."
                ) % {"n": placed}
        if errors:
            raise ValidationError(errors)


def new_checkin_secret() -> str:
    return secrets.token_hex(20)


class Session(models.Model):
    """One live session of a cohort."""

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    topic = models.CharField(_("topic"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    meeting_url = models.URLField(_("meeting link"), blank=True)
    # The key of the rotating check-in code (cohorts.checkin); never shown, never in the API.
    checkin_secret = models.CharField(max_length=40, default=new_checkin_secret, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.cohort}: {self.topic}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A session must end after it starts.")})


class Enrollment(models.Model):
    """A learner's place in the program, made when they accept an offer.

    It waits for a cohort; the cohorts issue adds the cohort and the later states.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for a cohort")
        ACTIVE = "active", _("in a cohort")
        COMPLETED = "completed", _("completed")
        DROPPED = "dropped", _("dropped")

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
    cohort = models.ForeignKey(
        Cohort,
        verbose_name=_("cohort"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")

    def __str__(self) -> str:
        return f"{self.application} ({self.get_status_display()})"


class Attendance(models.Model):
    """Whether a learner attended one session, how it was recorded and by whom.

    One row per (enrollment, session): the unique constraint is what makes a check-in
    count exactly once, even when a phone sends it twice at the same moment.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        LATE = "late", _("late")
        ABSENT = "absent", _("absent")
        EXCUSED = "excused", _("excused")

    class Method(models.TextChoices):
        CODE = "code", _("code typed by the learner")
        QR = "qr", _("QR code scanned by the learner")
        MANUAL = "manual", _("marked by hand")
        ROSTER = "roster", _("roster uploaded")

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    #: Statuses that count as attending, for completion.
    ATTENDED = (Status.PRESENT, Status.LATE)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "session"], name="attendance_once_per_session"
            )
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"{self.enrollment_id} @ {self.session_id}: {self.status}"
