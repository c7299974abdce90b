from typing import Any

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

        from yachay.intake.signals import application_rectified

        application_rectified.connect(
            _follow_rectification, dispatch_uid="cohorts.learner_account_follows_rectification"
        )


def _follow_rectification(
    sender: Any, *, application: Any, fields: frozenset[str], **kw: Any
) -> None:
    """A rectified name or email reaches the learner account made from the application."""
    from yachay.cohorts.services import learner_account_follow
    from yachay.core.actors import SYSTEM

    learner_account_follow(application_id=application.pk, fields=fields, actor=SYSTEM)
