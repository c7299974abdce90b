"""Issuing: a completed enrollment earns exactly one signed certificate."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from yachay.certificates import services
from yachay.certificates.credential import verify_credential
from yachay.certificates.issuer import site_did_document
from yachay.certificates.models import Certificate, Issuer, StatusList
from yachay.certificates.tasks import issue_certificate
from yachay.cohorts.models import Enrollment
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.learning.tests.conftest import Learning, learning, live  # noqa: F401
from yachay.learning.tests.test_completion import finish_everything


def complete(lr: Learning, capture: Any) -> Enrollment:
    with capture(execute=True):
        finish_everything(lr)
    enrollment = Enrollment.objects.get(pk=lr.enrollment.pk)
    assert enrollment.status == Enrollment.Status.COMPLETED
    return enrollment


def test_completing_an_enrollment_issues_exactly_one_certificate(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    program = learning.live.cohort.track.program
    Issuer.objects.create(name="Ministerio de la Producción", order=1).programs.add(program)
    Issuer.objects.create(name="Universidad Nacional de San Agustín", order=2).programs.add(program)
    enrollment = complete(learning, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get()  # issued by the task the signal queued
    assert certificate.enrollment == enrollment and certificate.user == learning.learner
    assert certificate.track == learning.live.cohort.track
    assert certificate.full_name == enrollment.application.full_name
    assert enrollment.status_changed_at is not None
    assert certificate.completion_date == timezone.localdate(enrollment.status_changed_at)
    assert certificate.hours > 0 and certificate.status_index == 0
    # The task runs again (a retry, a second worker): nothing new.
    for _ in range(2):
        assert issue_certificate.call(enrollment_id=enrollment.pk) == certificate.code
        assert services.certificate_issue(enrollment=enrollment, actor=SYSTEM) == certificate
    assert Certificate.objects.count() == 1
    assert StatusList.objects.get().next_index == 1
    assert AuditEvent.objects.filter(action="certificate.issue").count() == 1

    credential = certificate.credential
    assert credential["issuer"]["name"] == (
        "Ministerio de la Producción, Universidad Nacional de San Agustín"
    )
    assert credential["id"] == f"http://testserver/verificar/{certificate.code}/"
    assert "dni" not in str(credential).lower()
    assert enrollment.application.dni not in str(credential)
    result = verify_credential(
        credential,
        did_documents={credential["issuer"]["id"]: site_did_document()},
        check_status=False,
    )
    assert result.ok, result.problems


def test_an_enrollment_not_completed_earns_nothing(
    learning: Learning,  # noqa: F811
    signing_dir: Any,
) -> None:
    with pytest.raises(services.CertificateError, match="completed enrollment"):
        services.certificate_issue(enrollment=learning.enrollment, actor=SYSTEM)
    assert issue_certificate.call(enrollment_id=learning.enrollment.pk) is None
    assert issue_certificate.call(enrollment_id=987654) is None
    assert not Certificate.objects.exists()


def test_without_a_key_issuing_says_so_unless_debug(
    learning: Learning,  # noqa: F811
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.YACHAY_SIGNING_KEYS_DIR = tmp_path / "none"
    Enrollment.objects.filter(pk=learning.enrollment.pk).update(status="completed")
    enrollment = Enrollment.objects.get(pk=learning.enrollment.pk)
    settings.DEBUG = False
    with pytest.raises(services.CertificateError, match="signing_key_create"):
        services.certificate_issue(enrollment=enrollment, actor=SYSTEM)
    assert not Certificate.objects.exists()
    settings.DEBUG = True  # development and demo: a key is made on the spot
    certificate = services.certificate_issue(enrollment=enrollment, actor=SYSTEM)
    assert certificate.credential["proof"]["proofValue"]
    assert list((tmp_path / "none").glob("*.pem"))
