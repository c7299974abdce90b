"""Certificate PDFs kept on disk: rendered once when the certificate is issued, read back when
the learner downloads it. A file per verification code under ``YACHAY_CERTIFICATE_PDF_DIR``
(two-character folders, so that no folder holds hundreds of thousands of files).

The PDF of a certificate never changes (the same data gives the same bytes), so a file that is
missing (a disk restored from an older backup, a task that stopped before writing it) is
simply rendered again on the next download. Only the Spanish PDF is kept; other languages are
rendered on demand.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from yachay.certificates.models import Certificate, normalise_code
from yachay.certificates.pdf import CertificateData, CertificateRenderError, render_certificate
from yachay.certificates.selectors import certificate_pdf_data, certificate_pdf_data_for

logger = logging.getLogger(__name__)

STORED_LANGUAGE = "es"


def pdf_path(code: str) -> Path | None:
    """Where the PDF of ``code`` is kept; None for text that is not a code."""
    normal = normalise_code(code)
    if normal is None:
        return None
    return Path(settings.YACHAY_CERTIFICATE_PDF_DIR) / normal[:2] / f"{normal}.pdf"


def pdf_write(certificate: Certificate, body: bytes | None = None) -> bytes:
    """Render (unless given) and keep the certificate's Spanish PDF; the bytes. Atomic: a
    reader sees the old file or the whole new one, never half a PDF."""
    if body is None:
        body = render_certificate(certificate_pdf_data(certificate, STORED_LANGUAGE))
    path = pdf_path(certificate.code)
    assert path is not None  # a stored certificate always has a valid code
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return body


def pdf_write_many(certificates: Iterable[Certificate]) -> int:
    """Render and keep the PDFs of many certificates: the program's issuers (and logos) and
    the track's courses are read once per track, not once per certificate. How many."""
    per_track: dict[int, CertificateData] = {}
    written = 0
    for certificate in certificates:
        base = per_track.get(certificate.track_id)
        if base is None:
            base = per_track[certificate.track_id] = certificate_pdf_data(
                certificate, STORED_LANGUAGE
            )
        try:
            body = render_certificate(certificate_pdf_data_for(certificate, base))
        except (ValueError, CertificateRenderError) as error:  # the others are still kept
            logger.error("Certificate %s: no PDF kept: %s", certificate.code, error)
            continue
        pdf_write(certificate, body)
        written += 1
    return written


def pdf_read(certificate: Certificate, language: str) -> bytes:
    """The certificate's PDF in ``language``: the kept file when there is one, otherwise
    rendered now (and kept, for the Spanish one)."""
    if not language.startswith(STORED_LANGUAGE):
        return render_certificate(certificate_pdf_data(certificate, language))
    path = pdf_path(certificate.code)
    if path is not None:
        try:
            return path.read_bytes()
        except OSError:
            pass
    try:
        return pdf_write(certificate)
    except OSError:  # a read-only or full disk: the learner still gets the PDF
        return render_certificate(certificate_pdf_data(certificate, STORED_LANGUAGE))
