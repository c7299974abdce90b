from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Surveys as code (content/surveys/), personal answer links, response rates."""

    name = "yachay.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # A completed enrollment (learning, below) is invited to the end-of-course survey;
        # the baseline and the follow-ups are the periodic job's (tasks.invite_due).
        # Engagement (below) puts the secret link into a survey's message when it sends it.
        from yachay.engagement.models import Kind
        from yachay.engagement.services import LINK_MAKERS
        from yachay.learning.signals import enrollment_completed
        from yachay.surveys import receivers, services

        enrollment_completed.connect(
            receivers.enrollment_completed, dispatch_uid="surveys.invite_on_completion"
        )
        LINK_MAKERS[Kind.SURVEYS] = services._link_for_message
