"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task

from yachay.core.actors import SYSTEM


@task()
def issue_certificate(*, enrollment_id: int) -> str | None:
    """Issue the certificate of a completed enrollment and keep its PDF on disk; running it
    again changes nothing (the PDF, the same bytes, is written again)."""
    from yachay.certificates import pdfstore, services
    from yachay.cohorts.models import Enrollment

    enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
        return None
    certificate = services.certificate_issue(enrollment=enrollment, actor=SYSTEM)
    pdfstore.pdf_write(certificate)
    return certificate.code
