from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    """Engagement listens to the apps below it (learning, cohorts, selection, certificates)
    through their signals."""

    name = "yachay.engagement"
    label = "engagement"
    verbose_name = _("Messages and nudges")
