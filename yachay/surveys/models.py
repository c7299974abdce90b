"""Surveys as code, the personal invitations to answer them, and the answers.

A survey is a folder under ``content/surveys/<slug>/`` (docs/survey-format.md); importing it
makes a :class:`SurveyVersion` per distinct content hash, and the survey points at the newest.
An :class:`Invitation` is one person's (one application's) chance to answer one survey: a
personal link whose token is stored only as its SHA-256. Answers belong to the version the
person began on (``Invitation.version``), so a later edit of the file never re-labels them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yachay.intake.models import Application


class Survey(models.Model):
    class Kind(models.TextChoices):
        BASELINE = "baseline", _("baseline (at application)")
        END_OF_COURSE = "end_of_course", _("end of course")
        FOLLOWUP_3M = "followup_3m", _("follow-up at 3 months")
        FOLLOWUP_6M = "followup_6m", _("follow-up at 6 months")
        OTHER = "other", _("other")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    # The current version's hash and parsed content (the same as ``current``'s).
    content_hash = models.CharField(_("version (content hash)"), max_length=64)
    content = models.JSONField(_("content"), default=dict)
    current = models.ForeignKey(
        "SurveyVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # How long an invitation stays open, in days (from the file; 0 = no limit).
    open_days = models.PositiveIntegerField(_("open for (days)"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class SurveyVersion(models.Model):
    """One version of a survey's text, kept as long as any answer was given on it."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    content = models.JSONField(_("content"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_number"),
            models.UniqueConstraint(fields=["survey", "content_hash"], name="survey_version_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} v{self.number}"


class Invitation(models.Model):
    """One application's invitation to one survey: at most one per application × survey."""

    class Wording(models.TextChoices):
        LEARNER = "learner", _("learner")
        # The impact study's control arm: the text never mentions the study or the lottery.
        APPLICANT_FOLLOWUP = "applicant_followup", _("follow-up of applicants")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="invitations"
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("person (application)"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    version = models.ForeignKey(
        SurveyVersion,
        verbose_name=_("answered on version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    # SHA-256 (hex) of the link's token; the token itself is never stored.
    token_hash = models.CharField(_("token (hash)"), max_length=64, unique=True)
    wording = models.CharField(
        _("wording"), max_length=20, choices=Wording.choices, default=Wording.LEARNER
    )
    created_at = models.DateTimeField(_("invited at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "application"], name="survey_invitation_once")
        ]
        indexes = [models.Index(fields=["survey", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.survey_id} → {self.application_id}"


class Answer(models.Model):
    """One answer to one question of an invitation. Numbers (number and scale questions)
    are in ``number`` so that they can be summed and compared in the database; a single
    choice's option id and a short text are in ``text``; a multiple choice's option ids are
    in ``choices``."""

    invitation = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.CharField(_("question"), max_length=60)
    number = models.FloatField(_("number"), null=True, blank=True)
    text = models.CharField(_("text"), max_length=500, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    updated_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="survey_answer_once")
        ]
        indexes = [models.Index(fields=["question", "invitation"])]

    def __str__(self) -> str:
        return f"{self.invitation_id}:{self.question}"
