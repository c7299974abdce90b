"""Reads for certificates."""

from __future__ import annotations

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


def certificates_of(user_id: int) -> list[Certificate]:
    return list(
        Certificate.objects.filter(user_id=user_id)
        .select_related("track__program")
        .order_by("-issued_at")
    )
