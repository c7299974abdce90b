from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicSnapshot(models.Model):
    """The aggregates published on the transparency page and as open data, as computed at
    ``computed_at`` (``reports.public.compute``), small cells already suppressed: the page
    and the open-data files read the newest one and never count people themselves. A
    background task writes one every ``YACHAY_TRANSPARENCY_REFRESH_MINUTES``; the older ones
    are deleted (a few are kept for a comparison by hand)."""

    computed_at = models.DateTimeField(_("computed at"), db_index=True)
    k = models.PositiveSmallIntegerField(_("smallest published count"))
    digest = models.CharField(_("digest"), max_length=64)
    data = models.JSONField(_("data"))

    class Meta:
        verbose_name = _("published aggregates")
        verbose_name_plural = _("published aggregates")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M} ({self.digest[:8]})"
