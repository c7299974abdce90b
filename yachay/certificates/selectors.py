"""Reads for certificates."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from django.db.models import QuerySet

from yachay.accounts.models import Role, User
from yachay.certificates import pdf
from yachay.certificates.models import Certificate, Issuer, normalise_code


def certificate_by_code(text: str) -> Certificate | None:
    """The certificate a typed code names, or None. Junk costs the same query as a real code,
    so that an unknown code answers in the time of a known one."""
    code = normalise_code(text) or "----------"
    return (
        Certificate.objects.select_related("track__program", "status_list")
        .filter(code=code)
        .first()
    )


def certificate_issuers(certificate: Certificate) -> list[Issuer]:
    return list(Issuer.objects.filter(programs=certificate.track.program_id))


def certificate_verdict(text: str) -> tuple[Certificate | None, list[Issuer]]:
    """What the verification page shows for a typed code: the certificate and its issuers.
    Known, unknown or junk, it is the same two queries (the issuers of program 0, which does
    not exist, for an unknown code), so that the answer's time does not tell them apart."""
    certificate = certificate_by_code(text)
    program_id = certificate.track.program_id if certificate is not None else 0
    return certificate, list(Issuer.objects.filter(programs=program_id))


def certificates_of(user_id: int) -> list[Certificate]:
    return list(
        Certificate.objects.filter(user_id=user_id)
        .select_related("track__program")
        .order_by("-issued_at")
    )


def certificates_visible(user: User) -> QuerySet[Certificate]:
    """Staff: program admins see every certificate; coordinators those of learners from their
    departments; nobody else any."""
    qs = Certificate.objects.select_related("track__program")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_program_admin:
        return qs
    if user.role == Role.COORDINATOR:
        return qs.filter(enrollment__application__department__in=user.departments or [])
    return qs.none()


def own_certificate(user: User, text: str) -> Certificate | None:
    code = normalise_code(text)
    if code is None or not user.is_authenticated:
        return None
    return Certificate.objects.select_related("track__program").filter(code=code, user=user).first()


def _logo_bytes(issuer: Issuer) -> bytes | None:
    """The logo to print, or None when it is missing or not an image the PDF takes (the
    certificate is still printed, with the name alone)."""
    if not issuer.logo:
        return None
    try:
        data = Path(issuer.logo.path).read_bytes()
    except (OSError, ValueError):
        return None
    ok = 0 < len(data) <= pdf.LOGO_MAX_BYTES and pdf._logo_kind(data) is not None
    return data if ok else None


def certificate_pdf_data_for(
    certificate: Certificate, same_track: pdf.CertificateData
) -> pdf.CertificateData:
    """What the PDF prints for ``certificate``, from the data of another certificate of the
    same track (issuers, courses, language): only the learner's parts change."""
    from yachay.certificates.services import verification_url

    hours = certificate.hours
    return replace(
        same_track,
        learner_name=certificate.full_name,
        hours=int(hours) if hours == int(hours) else hours,
        completion_date=certificate.completion_date,
        verification_code=certificate.code,
        verification_url=verification_url(certificate.code),
    )


def certificate_pdf_data(certificate: Certificate, language: str) -> pdf.CertificateData:
    """What the PDF prints, from the certificate as issued and the program's issuers."""
    from yachay.certificates.services import verification_url
    from yachay.learning.models import Course

    program = certificate.track.program
    issuers = tuple(
        pdf.Issuer(name=i.name, logo=_logo_bytes(i))
        for i in certificate_issuers(certificate)[: pdf.MAX_ISSUERS]
    ) or (pdf.Issuer(name=program.name[: pdf.ISSUER_NAME_MAX]),)
    courses = tuple(
        Course.objects.filter(tracks=certificate.track)
        .order_by("title")
        .values_list("title", flat=True)[: pdf.MAX_COURSES]
    )
    hours = certificate.hours
    return pdf.CertificateData(
        learner_name=certificate.full_name,
        program=program.name,
        track=certificate.track.name,
        hours=int(hours) if hours == int(hours) else hours,
        completion_date=certificate.completion_date,
        issuers=issuers,
        verification_code=certificate.code,
        verification_url=verification_url(certificate.code),
        courses=courses,
        language="en" if language.startswith("en") else "es",
    )
