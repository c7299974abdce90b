"""Issuing many at once (a cohort, a call, a backlog): the rules of one certificate — only
completed enrollments, once each — in one transaction and a few queries for the lot."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yachay.certificates import pdfstore, services
from yachay.certificates.credential import verify_credential
from yachay.certificates.issuer import site_did_document
from yachay.certificates.models import Certificate, Issuer, StatusList
from yachay.certificates.tasks import BATCH, issue_certificates, issue_certificates_enqueue
from yachay.cohorts.models import Enrollment
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.learning.tests.conftest import Learning, learning, live  # noqa: F401


def completed(lr: Learning) -> list[int]:
    ids = [e.pk for e in lr.live.enrollments]
    Enrollment.objects.filter(pk__in=ids).update(
        status=Enrollment.Status.COMPLETED, status_changed_at=timezone.now()
    )
    return ids


def test_many_are_issued_once_each_with_distinct_positions_and_audited(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    program = learning.live.cohort.track.program
    Issuer.objects.create(name="Ministerio de la Producción", order=1).programs.add(program)
    ids = completed(learning)
    active = learning.live.outsider.enrollments.get().pk  # not completed: skipped
    issued = services.certificates_issue_many(enrollment_ids=[*ids, active, *ids], actor=SYSTEM)
    assert sorted(c.enrollment_id for c in issued) == sorted(ids)
    assert sorted(c.status_index for c in issued) == [0, 1, 2]
    assert StatusList.objects.get().next_index == 3
    assert AuditEvent.objects.filter(action="certificate.issue").count() == 3
    did = site_did_document()
    for certificate in Certificate.objects.all():
        assert certificate.full_name == certificate.enrollment.application.full_name
        assert certificate.credential["issuer"]["name"] == "Ministerio de la Producción"
        result = verify_credential(
            certificate.credential, did_documents={did["id"]: did}, check_status=False
        )
        assert result.ok, result.problems
    # Again (a retry, an overlapping batch): nothing new.
    assert services.certificates_issue_many(enrollment_ids=ids, actor=SYSTEM) == []
    assert Certificate.objects.count() == 3


def test_an_enrollment_issued_one_by_one_is_skipped(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    ids = completed(learning)
    one = services.certificate_issue(enrollment=Enrollment.objects.get(pk=ids[0]), actor=SYSTEM)
    issued = services.certificates_issue_many(enrollment_ids=ids, actor=SYSTEM)
    assert one.enrollment_id not in {c.enrollment_id for c in issued} and len(issued) == 2


def test_the_queries_do_not_grow_with_the_batch(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
    django_assert_max_num_queries: Any,
) -> None:
    ids = completed(learning)
    # The first makes the status list (6 queries of the 18); one more learner adds none.
    with django_assert_max_num_queries(18):
        assert len(services.certificates_issue_many(enrollment_ids=ids[:2], actor=SYSTEM)) == 2
    with django_assert_max_num_queries(12):
        assert len(services.certificates_issue_many(enrollment_ids=ids, actor=SYSTEM)) == 1


def test_the_task_keeps_every_pdf_and_a_rerun_writes_the_missing_ones(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    ids = completed(learning)
    assert issue_certificates.call(enrollment_ids=ids) == 3
    paths = [pdfstore.pdf_path(c.code) for c in Certificate.objects.all()]
    assert all(p is not None and p.read_bytes().startswith(b"%PDF") for p in paths)
    lost = paths[0]
    assert lost is not None
    lost.unlink()  # the worker was killed between the commit and this PDF
    assert issue_certificates.call(enrollment_ids=ids) == 0
    assert lost.read_bytes().startswith(b"%PDF") and Certificate.objects.count() == 3


def test_a_name_cut_at_120_characters_loses_the_space_left_at_the_end(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    ids = completed(learning)
    application = Enrollment.objects.get(pk=ids[0]).application
    application.given_names = "Ñusta " + "a" * 73  # 79 characters
    application.paternal_surname = "Quispe de la " + "b" * 26  # the 120th is the space
    application.maternal_surname = "Mamani"
    application.save()
    assert application.full_name[:120].endswith(" ")
    issue_certificates.call(enrollment_ids=ids[:1])
    certificate = Certificate.objects.get()
    assert certificate.full_name == application.full_name[:119]
    path = pdfstore.pdf_path(certificate.code)
    assert path is not None and path.exists()


def test_the_bulk_pages_queue_batches(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    ids = completed(learning)
    assert issue_certificates_enqueue(ids * 2) == 1  # the immediate backend runs it here
    assert Certificate.objects.count() == 3 and BATCH >= 50
