from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "yachay.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self) -> None:
        # Learning listens to cohorts (below it) instead of cohorts calling up into learning.
        from yachay.cohorts.signals import attendance_changed
        from yachay.learning import receivers

        attendance_changed.connect(
            receivers.attendance_changed, dispatch_uid="learning.evaluate_completions"
        )
