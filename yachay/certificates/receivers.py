"""Certificates' answers to events of the apps below it, connected in ``CertificatesConfig``."""

from __future__ import annotations

from typing import Any

from yachay.certificates.tasks import issue_certificate


def enrollment_completed(sender: Any, *, enrollment_id: int, **kwargs: Any) -> None:
    """A completed enrollment earns a certificate: issue it on the task queue."""
    issue_certificate.enqueue(enrollment_id=enrollment_id)
