"""Certificates issued to learners who completed their track, the organisations that issue
them (per program) and the revocation status lists their credentials point to."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yachay.certificates.pdf import LOGO_MAX_BYTES
from yachay.certificates.pdf import _logo_kind as logo_kind
from yachay.cohorts.models import Enrollment
from yachay.programs.models import Program, Track

# Crockford base32: no I, L, O, U.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits of randomness
STATUS_LIST_SIZE = 131072  # bits: the minimum the Bitstring Status List asks for


def new_code() -> str:
    """A random verification code, grouped to type: ``XXXX-XXXX-XX``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalise_code(text: str) -> str | None:
    """What a person typed → the stored form, or None when it cannot be a code."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    raw = "".join(c for c in text.upper() if c not in " -\t").translate(_CONFUSABLES)
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def validate_logo(file: Any) -> None:
    """A logo the PDF can print: PNG, JPEG or SVG, at most 512 KB."""
    file.seek(0)
    data = file.read(LOGO_MAX_BYTES + 1)
    file.seek(0)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo is too big (at most 512 KB)."))
    if logo_kind(data) not in ("png", "jpg", "svg"):
        raise ValidationError(_("The logo must be a PNG, JPEG or SVG image."))


class Issuer(models.Model):
    """An organisation named on a program's certificates (name, site, logo)."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("web site"), blank=True)
    logo = models.FileField(
        _("logo"),
        upload_to="issuers/",
        blank=True,
        help_text=_("PNG, JPEG or SVG, printed on the certificate."),
        validators=[validate_logo],
    )
    programs = models.ManyToManyField(
        Program, verbose_name=_("programs"), related_name="issuers", blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("issuing organisation")
        verbose_name_plural = _("issuing organisations")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class StatusList(models.Model):
    """A Bitstring Status List of revocations; certificates take its indexes in turn."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    size = models.PositiveIntegerField(_("size"), default=STATUS_LIST_SIZE)
    next_index = models.PositiveIntegerField(_("next index"), default=0)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return self.slug


class Certificate(models.Model):
    """One learner's certificate for one track: issued once, printed and signed from here."""

    # One enrollment, one valid certificate; a re-issue (a rectified name, a new template)
    # revokes the old one and adds the new one, which ``replaces`` it.
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    track = models.ForeignKey(
        Track, verbose_name=_("track"), on_delete=models.PROTECT, related_name="certificates"
    )
    code = models.CharField(_("verification code"), max_length=12, unique=True, default=new_code)
    full_name = models.CharField(_("full name"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1)
    completion_date = models.DateField(_("completion date"))
    issued_at = models.DateTimeField(_("issued at"))
    status_list = models.ForeignKey(
        StatusList, verbose_name=_("status list"), on_delete=models.PROTECT
    )
    status_index = models.PositiveIntegerField(_("status list index"))
    credential = models.JSONField(_("signed credential"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.TextField(_("revocation reason"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="certificate_status_index_once"
            ),
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_valid_once_per_enrollment",
            ),
            models.UniqueConstraint(
                fields=["user", "track"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_once_per_learner_track",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
