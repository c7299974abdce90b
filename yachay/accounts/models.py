from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("program admin")
    COORDINATOR = "coordinator", _("coordinator")
    INSTRUCTOR = "instructor", _("instructor")
    LEARNER = "learner", _("learner")


class User(AbstractUser):
    """A person who signs in. The role decides what they may see; a coordinator
    sees only the departments (2-digit INEI codes) listed in ``departments``."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEARNER)
    departments = models.JSONField(
        _("departments"),
        default=list,
        blank=True,
        help_text=_("INEI department codes this coordinator follows, e.g. 08 for Cusco."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_program_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def works_with_cohorts(self) -> bool:
        """Instructors, coordinators and program admins have the cohort pages."""
        return self.is_program_admin or self.role in {Role.INSTRUCTOR, Role.COORDINATOR}

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR and not self.is_superuser


class ApiKey(models.Model):
    """A partner system's key. Only a SHA-256 hash is stored; the key is shown once.

    A key with a user acts with that user's scope (a coordinator's key reads only
    their departments), and only while that user is active and keeps the role the key was
    issued for. A key without a user is a partner key: it submits applications and reads
    back the ones it submitted.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    # The user's role when the key was made: a key works only while its user is active and
    # still holds that role, so taking a role away (or deactivating the person) ends its keys.
    role = models.CharField(
        _("role when issued"), max_length=20, choices=Role.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
