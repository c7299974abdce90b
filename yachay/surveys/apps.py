from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Surveys as code (content/surveys/), personal answer links, response rates."""

    name = "yachay.surveys"
    label = "surveys"
    verbose_name = _("Surveys")
