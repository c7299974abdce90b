"""Re-issuing: a rectified name (through intake's service) or an admin's re-issue gives a new
certificate and revokes the old one, exactly once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from yachay.certificates import services
from yachay.certificates.models import Certificate
from yachay.certificates.tasks import issue_certificate, reissue_rectified_name
from yachay.cohorts.models import Enrollment
from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import AuditEvent
from yachay.intake.services import application_rectify
from yachay.learning.tests.conftest import learning, live  # noqa: F401


def rectify(certificate: Certificate, capture: Any, **changes: object) -> None:
    with capture(execute=True):
        application_rectify(
            application=certificate.enrollment.application,
            changes=changes,
            reason="El nombre estaba mal escrito",
            actor=SYSTEM,
        )


def test_a_rectified_name_reissues_the_certificate_and_revokes_the_old_one_once(
    issued: Certificate, django_capture_on_commit_callbacks: Any, tmp_path: Path, capsys: Any
) -> None:
    rectify(
        issued,
        django_capture_on_commit_callbacks,
        given_names="María José",
        maternal_surname="Ñahui",
    )
    old = Certificate.objects.get(pk=issued.pk)
    assert old.revoked and old.revocation_reason == "nombre rectificado"
    new = Certificate.objects.get(revoked_at__isnull=True)
    assert new.replaces == old and new.code != old.code
    assert new.full_name == Enrollment.objects.get(pk=issued.enrollment_id).application.full_name
    assert new.full_name.startswith("María José ") and new.full_name.endswith(" Ñahui")
    assert (new.enrollment_id, new.track_id, new.completion_date) == (
        old.enrollment_id, old.track_id, old.completion_date,
    )  # fmt: skip
    assert new.credential["id"].endswith(f"/verificar/{new.code}/")
    assert new.status_index != old.status_index
    # The task again (a retry, a second worker), the first issue task again: nothing new.
    assert reissue_rectified_name.call(application_id=old.enrollment.application_id) == []
    assert issue_certificate.call(enrollment_id=old.enrollment_id) == new.code
    assert Certificate.objects.count() == 2
    assert AuditEvent.objects.filter(action="certificate.reissue").count() == 1
    event = AuditEvent.objects.get(action="certificate.reissue")
    assert event.changes["code"] == [old.code, new.code]
    # The new credential verifies offline.
    (tmp_path / "c.json").write_text(json.dumps(new.credential))
    call_command("credential_verify", str(tmp_path / "c.json"), "--no-status")
    assert "valid" in capsys.readouterr().out.lower()


def test_a_rectification_that_leaves_the_name_as_it_was_reissues_nothing(
    issued: Certificate, django_capture_on_commit_callbacks: Any
) -> None:
    rectify(issued, django_capture_on_commit_callbacks, phone="987 654 321")
    assert Certificate.objects.get().pk == issued.pk and not Certificate.objects.get().revoked


def test_a_revoked_certificate_is_not_brought_back_by_a_rectification(
    issued: Certificate, django_capture_on_commit_callbacks: Any
) -> None:
    services.certificate_revoke(certificate=issued, reason="Fraude comprobado", actor=SYSTEM)
    rectify(issued, django_capture_on_commit_callbacks, given_names="Rosa")
    assert Certificate.objects.count() == 1 and Certificate.objects.get().revoked
    with pytest.raises(services.CertificateError, match="cannot be re-issued"):
        services.certificate_reissue(certificate=issued, reason="x", actor=SYSTEM)


def test_an_admin_reissue_needs_a_reason_and_keeps_one_valid_certificate(
    issued: Certificate, users: Any
) -> None:
    actor = Actor.of_user(users["admin"])
    for bad in ("", "   ", "x" * 1001, "motivo\x00"):
        with pytest.raises(services.CertificateError):
            services.certificate_reissue(certificate=issued, reason=bad, actor=actor)
    assert Certificate.objects.count() == 1
    new = services.certificate_reissue(certificate=issued, reason="Nuevo logotipo", actor=actor)
    old = Certificate.objects.get(pk=issued.pk)
    assert old.revoked_by == users["admin"] and old.revocation_reason == "Nuevo logotipo"
    assert Certificate.objects.filter(revoked_at__isnull=True).get() == new
    with pytest.raises(services.CertificateError, match="cannot be re-issued"):
        services.certificate_reissue(certificate=old, reason="otra vez", actor=actor)
