from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "yachay.intake"
    label = "intake"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from yachay.intake.selectors import CALLS
        from yachay.programs.models import Call, Program

        CALLS.clear_on_save(Call, Program)
