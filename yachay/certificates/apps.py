from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "yachay.certificates"
    label = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        # Certificates listens to learning (below it): a completed enrollment earns one.
        from yachay.certificates import receivers
        from yachay.learning.signals import enrollment_completed

        enrollment_completed.connect(
            receivers.enrollment_completed, dispatch_uid="certificates.issue_on_completion"
        )
