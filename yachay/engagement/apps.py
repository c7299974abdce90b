from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    """Engagement reads the apps below it (learning, cohorts, selection, certificates) in its
    periodic evaluation, and hears email providers' reports through django-anymail."""

    name = "yachay.engagement"
    label = "engagement"
    verbose_name = _("Messages and nudges")

    def ready(self) -> None:
        from anymail.signals import tracking

        from yachay.engagement.receivers import email_tracking

        tracking.connect(email_tracking, dispatch_uid="engagement.email_tracking")
