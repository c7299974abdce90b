from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    name = "yachay.cohorts"
    label = "cohorts"
    verbose_name = _("Cohorts")

    def ready(self) -> None:
        # Cohorts keeps the places that selection (below it) gives: it registers how.
        from yachay.cohorts import selectors, services
        from yachay.selection import places

        places.register(placed=selectors.applications_placed, take=services.enrollment_take)
