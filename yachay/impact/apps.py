from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """The selection lottery's randomisation band and the impact estimate from it."""

    name = "yachay.impact"
    label = "impact"
    verbose_name = _("Impact")
