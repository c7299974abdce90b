from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports read everything below them and write nothing back."""

    name = "yachay.reports"
    label = "reports"
    verbose_name = _("Reports")
