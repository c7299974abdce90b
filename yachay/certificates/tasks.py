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

    enrollment = (
        Enrollment.objects.select_related("application__call", "cohort__track__program", "user")
        .filter(pk=enrollment_id)
        .first()
    )
    if enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
        return None
    certificate = services.certificate_issue(enrollment=enrollment, actor=SYSTEM)
    pdfstore.pdf_write(certificate)
    return certificate.code


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


# Enrollments per ``issue_certificates`` task: big enough that the queue's own work (claim,
# result) and the transaction are shared by many, small enough that a task lasts a few
# seconds and a killed worker loses little (the task runs again and skips what was issued).
BATCH = 100


@task()
def issue_certificates(*, enrollment_ids: list[int]) -> int:
    """Issue the certificates of many completed enrollments at once and keep their PDFs;
    running it again issues nothing twice (the PDFs of what it issued are written first
    time). How many were issued now."""
    from yachay.certificates import pdfstore, services
    from yachay.certificates.models import Certificate

    issued = services.certificates_issue_many(enrollment_ids=enrollment_ids, actor=SYSTEM)
    # A rerun after a kill between the commit and the PDFs: write the ones still missing.
    missing = [
        c
        for c in Certificate.objects.filter(enrollment_id__in=enrollment_ids)
        .exclude(pk__in=[c.pk for c in issued])
        .select_related("track__program")
        if not _pdf_kept(c.code)
    ]
    pdfstore.pdf_write_many([*issued, *missing])
    return len(issued)


def _pdf_kept(code: str) -> bool:
    from yachay.certificates import pdfstore

    path = pdfstore.pdf_path(code)
    return path is not None and path.exists()


def issue_certificates_enqueue(enrollment_ids: list[int]) -> int:
    """Queue the certificates of many enrollments, ``BATCH`` to a task (the bulk issuing
    pages call this); the number of tasks."""
    ids = sorted(set(enrollment_ids))
    for start in range(0, len(ids), BATCH):
        issue_certificates.enqueue(enrollment_ids=ids[start : start + BATCH])
    return (len(ids) + BATCH - 1) // BATCH
