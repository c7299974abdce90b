"""Revocation: a reason, audited; the bit flips in the served status list; verifiers say so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from yachay.certificates import services
from yachay.certificates.models import Certificate
from yachay.core.actors import Actor
from yachay.core.models import AuditEvent
from yachay.learning.tests.conftest import learning, live  # noqa: F401


def served_list(client: Any, certificate: Certificate) -> dict[str, Any]:
    url = certificate.credential["credentialStatus"]["statusListCredential"]
    assert url == f"http://testserver/credenciales/estado/{certificate.status_list.slug}"
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert "max-age=300" in response["Cache-Control"]
    return json.loads(response.content)


def verify_file(tmp_path: Path, certificate: Certificate, status: dict[str, Any]) -> None:
    (tmp_path / "c.json").write_text(json.dumps(certificate.credential))
    (tmp_path / "s.json").write_text(json.dumps(status))
    call_command(
        "credential_verify", str(tmp_path / "c.json"), "--status-list", str(tmp_path / "s.json")
    )


def test_revoking_flips_the_bit_and_every_verifier_reports_it(
    client: Any, issued: Certificate, users: Any, tmp_path: Path, capsys: Any
) -> None:
    verify_file(tmp_path, issued, served_list(client, issued))  # valid before
    admin = users["admin"]
    services.certificate_revoke(
        certificate=issued, reason="Nombre rectificado", actor=Actor.of_user(admin)
    )
    issued.refresh_from_db()
    assert issued.revoked_at is not None and issued.revoked_by == admin
    assert issued.revocation_reason == "Nombre rectificado"
    event = AuditEvent.objects.get(action="certificate.revoke")
    assert event.changes["reason"] == "Nombre rectificado"
    with pytest.raises(CommandError, match=r"NOT valid|NO es válida"):
        verify_file(tmp_path, issued, served_list(client, issued))
    assert "[revoked]" in capsys.readouterr().err
    page = client.get(f"/verificar/{issued.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This certificate was revoked on" in page


def test_a_revocation_needs_a_reason_and_happens_once(issued: Certificate, users: Any) -> None:
    actor = Actor.of_user(users["admin"])
    with pytest.raises(services.CertificateError, match="Say why"):
        services.certificate_revoke(certificate=issued, reason="  ", actor=actor)
    services.certificate_revoke(certificate=issued, reason="Error", actor=actor)
    with pytest.raises(services.CertificateError, match="already revoked"):
        services.certificate_revoke(certificate=issued, reason="Otra vez", actor=actor)
    assert AuditEvent.objects.filter(action="certificate.revoke").count() == 1


def test_an_unknown_status_list_is_not_found(client: Any, db: None) -> None:
    assert client.get("/credenciales/estado/99").status_code == 404


def test_the_admin_action_asks_for_a_reason_then_revokes(
    client: Any, issued: Certificate, users: Any
) -> None:
    client.force_login(users["admin"])
    url = "/admin/certificates/certificate/"
    asked = client.post(url, {"action": "revoke", "_selected_action": [issued.pk]})
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    assert Certificate.objects.get().revoked_at is None
    empty = client.post(
        url, {"action": "revoke", "_selected_action": [issued.pk], "apply": "1", "reason": ""}
    )
    assert empty.status_code == 200 and Certificate.objects.get().revoked_at is None
    done = client.post(
        url,
        {"action": "revoke", "_selected_action": [issued.pk], "apply": "1", "reason": "Fraude"},
    )
    assert done.status_code == 302
    assert Certificate.objects.get().revocation_reason == "Fraude"
