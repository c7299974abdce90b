from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "yachay.certificates"
    label = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        # Certificates listens to learning (below it): a completed enrollment earns one;
        # and to intake: a rectified name re-issues the certificates that print it.
        from yachay.certificates import receivers
        from yachay.intake.signals import application_rectified
        from yachay.learning.signals import enrollment_completed

        enrollment_completed.connect(
            receivers.enrollment_completed, dispatch_uid="certificates.issue_on_completion"
        )
        application_rectified.connect(
            receivers.application_rectified, dispatch_uid="certificates.reissue_on_rectified_name"
        )
