"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task

from yachay.core.actors import SYSTEM


@task()
def issue_certificate(*, enrollment_id: int) -> str | None:
    """Issue the certificate of a completed enrollment; running it again changes nothing."""
    from yachay.certificates import services
    from yachay.cohorts.models import Enrollment

    enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
        return None
    return services.certificate_issue(enrollment=enrollment, actor=SYSTEM).code


@task()
def reissue_rectified_name(*, application_id: int) -> list[str]:
    """Re-issue the certificates whose learner's name was rectified; running it again
    changes nothing. Returns the new codes."""
    from yachay.certificates import services

    return [
        c.code
        for c in services.certificates_follow_rectified_name(
            application_id=application_id, actor=SYSTEM
        )
    ]
