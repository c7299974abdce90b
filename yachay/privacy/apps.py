from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Privacy sits above every app that holds personal data, so that it can export, rectify
    and cancel a person's data through their services."""

    name = "yachay.privacy"
    label = "privacy"
    verbose_name = _("Personal data")
