"""The demo's certificates: `load_demo` leaves learners who completed and hold certificates
(one revoked, with its reason); `demo_credentials` prints where to verify them and writes a
credential file that `credential_verify` checks offline."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from yachay.certificates.models import Certificate
from yachay.cohorts.models import Enrollment
from yachay.demo.certificates import HOLDERS, REVOKED_REASON, WAITING

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(tmp_path: Path, settings: Any) -> Path:
    settings.VAR_DIR = tmp_path
    settings.YACHAY_SITE_URL = "http://testserver"
    return tmp_path


@pytest.fixture
def signing_key(var_dir: Path, settings: Any) -> Path:
    from yachay.certificates.keys import create_key

    settings.YACHAY_SIGNING_KEYS_DIR = var_dir / "signing-keys"
    create_key(settings.YACHAY_SIGNING_KEYS_DIR)
    return settings.YACHAY_SIGNING_KEYS_DIR


def test_the_demo_holds_certificates_one_revoked_and_says_how_to_verify_them(
    signing_key: Path, var_dir: Path, capsys: Any
) -> None:
    out = StringIO()
    call_command("load_demo", "--applicants", "2000", stdout=out)
    assert f"Certificates: {HOLDERS - 1} valid, 1 revoked" in out.getvalue()
    certificates = Certificate.objects.select_related("enrollment")
    assert certificates.count() == HOLDERS
    assert all(c.enrollment.status == Enrollment.Status.COMPLETED for c in certificates)
    # In the open call (the history's call completes learners of its own, which the worker
    # certifies when it runs: not in this test).
    call = certificates.first().enrollment.application.call  # type: ignore[union-attr]
    waiting = Enrollment.objects.filter(
        status="completed", certificates__isnull=True, application__call=call
    )
    assert waiting.count() == WAITING  # for an admin to issue from the staff page
    revoked = certificates.get(revoked_at__isnull=False)
    assert revoked.revocation_reason == REVOKED_REASON
    assert set(certificates.values_list("full_name", flat=True)) == {
        c.enrollment.application.full_name for c in certificates
    }

    out = StringIO()
    call_command("demo_credentials", stdout=out)
    text = out.getvalue()
    valid_url = re.search(r"Verify a certificate: http://testserver(/verificar/\S+/)", text)
    revoked_url = re.search(r"A revoked one: +http://testserver(/verificar/\S+/)", text)
    command = re.search(r"credential_verify (\S+) --status-list (\S+) --did (\S+)\n", text)
    assert valid_url and revoked_url and command, text
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(valid_url.group(1)).status_code == 200
    assert revoked.code in revoked_url.group(1)
    assert "revoked" in client.get(revoked_url.group(1)).content.decode().lower()
    credential, status_list = Path(command.group(1)), Path(command.group(2))
    assert credential.parent == var_dir and status_list.parent == var_dir
    did = command.group(3)
    call_command(
        "credential_verify", str(credential), "--status-list", str(status_list), "--did", did
    )
    assert "Valid" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command(
            "credential_verify",
            str(var_dir / "demo-credential-revoked.json"),
            "--status-list",
            str(status_list),
            "--did",
            did,
        )
    assert "revoked" in capsys.readouterr().err.lower()
    # The holder signs in with the printed link and finds the certificate.
    link = re.search(r"certificate +\S+ +holds a certificate.*\n +\S+(/entrar/\S+)", text)
    assert link is not None
    assert client.post(link.group(1)).status_code == 302
    page = client.get("/mi-aprendizaje/certificados/").content.decode()
    assert ".png" in page and "linkedin.com" in page

    # Loading again with --replace removes the certificates with the rest, and issues anew.
    call_command("load_demo", "--applicants", "2000", "--replace", stdout=StringIO())
    assert Certificate.objects.count() == HOLDERS


def test_without_a_signing_key_the_demo_loads_and_says_why_there_are_no_certificates(
    var_dir: Path, settings: Any
) -> None:
    settings.YACHAY_SIGNING_KEYS_DIR = var_dir / "no-keys"
    settings.DEBUG = False
    out = StringIO()
    call_command("load_demo", "--applicants", "2000", stdout=out)
    assert "none issued" in out.getvalue() and "signing_key_create" in out.getvalue()
    assert not Certificate.objects.exists()
    call_command("demo_credentials", stdout=StringIO())  # no certificate lines, no error
