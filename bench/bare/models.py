from __future__ import annotations

from django.db import models


class Hit(models.Model):
    """One row per accepted bare request; ``token`` is unique so duplicates would show."""

    token = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Spelled out: type checkers run with yachay.settings, where this app is not installed.
    objects: models.Manager[Hit] = models.Manager()

    def __str__(self) -> str:
        return self.token
