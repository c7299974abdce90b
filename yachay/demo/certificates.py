"""The demo's certificates: a few learners of the demo classroom completed their track and
hold a certificate (one of them revoked, with its reason), so `make run` shows issuing,
the learner's downloads, the public verification page and offline verification.

A shortcut, said plainly: real learners complete by finishing every course of their track
(``learning``), which sends ``enrollment_completed`` and queues the issue task. The demo's
classroom has just started, so here a few enrollments are set completed directly and their
certificates issued at once by the same service the task calls.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yachay.accounts.models import User
from yachay.certificates.issuer import site_did_document
from yachay.certificates.models import Certificate, Issuer, StatusList
from yachay.certificates.services import (
    CertificateError,
    certificate_issue,
    certificate_revoke,
    signed_status_list,
)
from yachay.cohorts.models import Enrollment
from yachay.core.actors import SYSTEM, Actor
from yachay.core.services import audit_record
from yachay.programs.models import Program

HOLDERS = 4  # learners of the first demo cohort who completed and hold a certificate
WAITING = 1  # and one more who completed, whose certificate a program admin issues by hand
ISSUERS = ("Ministerio de la Producción", "Programa Nacional Yachay")
REVOKED_REASON = "Emitido por error: la evaluación final no estaba registrada (demo)."
CREDENTIAL_FILE = "demo-credential.json"
REVOKED_FILE = "demo-credential-revoked.json"
STATUS_FILE = "demo-status-list.json"
DID_FILE = "demo-did.json"


@dataclass(frozen=True)
class DemoCertificates:
    certificates: list[Certificate]  # the valid ones
    revoked: Certificate | None
    skipped: str = ""  # why none was issued (no signing key), or ""


def demo_certificates_load(
    *, program: Program, learners: list[User], actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
) -> DemoCertificates:  # fmt: skip
    """Complete the enrollments of ``HOLDERS + WAITING`` of ``learners`` after the first
    (that one is the demo's learner who is in class now) and issue the certificates of the
    first ``HOLDERS``, the last of them revoked; the ``WAITING`` ones are for a program admin
    to issue from the staff page (/personal/certificados/). The program gets its issuing
    organisations."""
    now = now or timezone.now()
    for order, name in enumerate(ISSUERS):
        issuer, _created = Issuer.objects.get_or_create(name=name, defaults={"order": order})
        issuer.programs.add(program)
    enrollments = list(
        Enrollment.objects.filter(
            user__in=learners[1 : 1 + HOLDERS + WAITING], application__call__program=program
        )
        .select_related("application__call", "cohort__track", "user")
        .order_by("pk")
    )
    completed_at = now - dt.timedelta(days=2)
    with transaction.atomic():
        for enrollment in enrollments:
            before = enrollment.status
            enrollment.status = Enrollment.Status.COMPLETED
            enrollment.status_changed_at = completed_at
            enrollment.save(update_fields=["status", "status_changed_at"])
            audit_record(
                actor=actor, action="enrollment.complete", obj=enrollment,
                changes={"status": [before, enrollment.status], "demo": True},
            )  # fmt: skip
    try:
        issued = [certificate_issue(enrollment=e, actor=actor) for e in enrollments[:HOLDERS]]
    except CertificateError as e:
        return DemoCertificates([], None, skipped=str(e))
    revoked = None
    if len(issued) > 1:
        revoked = certificate_revoke(certificate=issued[-1], reason=REVOKED_REASON, actor=actor)
        issued = issued[:-1]
    return DemoCertificates(issued, revoked)


def demo_certificates_delete(program: Program) -> None:
    """The demo program's certificates, before its enrollments go (``load_demo --replace``)."""
    certificates = Certificate.objects.filter(enrollment__application__call__program=program)
    certificates.update(replaces=None)
    certificates.delete()
    Issuer.objects.filter(name__in=ISSUERS, programs__isnull=True).delete()


@dataclass(frozen=True)
class DemoFiles:
    valid: Certificate
    revoked: Certificate | None
    credential: Path
    revoked_credential: Path | None
    status_list: Path
    did: Path


def demo_credential_files(program: Program) -> DemoFiles | None:
    """Write, under VAR_DIR, a valid demo credential, the revoked one, the status list they
    point to (signed now) and the issuer's DID document, to try `manage.py
    credential_verify` on, offline and whatever the settings of the shell. None when the
    demo holds no certificate."""
    certificates = Certificate.objects.filter(
        enrollment__application__call__program=program
    ).select_related("status_list")
    valid = certificates.filter(revoked_at__isnull=True).order_by("pk").first()
    if valid is None:
        return None
    revoked = certificates.filter(revoked_at__isnull=False).order_by("pk").first()
    var = Path(settings.VAR_DIR)
    var.mkdir(parents=True, exist_ok=True)

    def write(name: str, document: object) -> Path:
        path = var / name
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    status_list = StatusList.objects.get(pk=valid.status_list_id)
    return DemoFiles(
        valid=valid,
        revoked=revoked,
        credential=write(CREDENTIAL_FILE, valid.credential),
        revoked_credential=write(REVOKED_FILE, revoked.credential) if revoked else None,
        status_list=write(STATUS_FILE, signed_status_list(status_list)),
        did=write(DID_FILE, site_did_document()),
    )
