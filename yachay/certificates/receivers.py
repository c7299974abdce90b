"""Certificates' answers to events of the apps below it, connected in ``CertificatesConfig``."""

from __future__ import annotations

from typing import Any

from yachay.certificates.tasks import issue_certificate, reissue_rectified_name


def enrollment_completed(sender: Any, *, enrollment_id: int, **kwargs: Any) -> None:
    """A completed enrollment earns a certificate: issue it on the task queue."""
    issue_certificate.enqueue(enrollment_id=enrollment_id)


def application_rectified(
    sender: Any, *, application: Any, fields: frozenset[str], **kwargs: Any
) -> None:
    """A rectified full name: the certificates that print the old one are re-issued (on the
    task queue; the old ones are revoked "rectified name")."""
    if "full_name" in fields:
        reissue_rectified_name.enqueue(application_id=application.pk)
