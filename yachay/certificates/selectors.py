"""Reads for certificates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.certificates import pdf
from yachay.certificates.models import Certificate, Issuer, normalise_code
from yachay.cohorts.models import Enrollment
from yachay.core.validators import has_control_chars


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


# Staff pages ---------------------------------------------------------------------------


def may_view_certificates(user: User) -> bool:
    """Program admins and coordinators see the certificates pages (coordinators read only)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_program_admin or user.role == Role.COORDINATOR)
    )


def enrollments_visible(user: User) -> QuerySet[Enrollment]:
    """Program admins: every enrollment; coordinators: their departments' learners."""
    from yachay.accounts.scopes import scope_by_department

    return scope_by_department(Enrollment.objects.all(), user, field="application__department")


def _valid_certificate() -> Exists:
    return Exists(Certificate.objects.filter(enrollment=OuterRef("pk"), revoked_at__isnull=True))


def _any_certificate() -> Exists:
    return Exists(Certificate.objects.filter(enrollment=OuterRef("pk")))


@dataclass(frozen=True)
class IssueReview:
    """Who would get a certificate if an admin issued for a cohort or a call."""

    to_issue: list[Enrollment]  # completed, never certified: sorted by name
    certified: int  # completed, already holding a valid certificate
    revoked: int  # completed, whose certificate was revoked (not issued again)
    not_completed: int  # waiting, active or dropped: nothing to issue


def issue_review(enrollments: QuerySet[Enrollment]) -> IssueReview:
    """What issuing for ``enrollments`` (a cohort's, a call's, already scoped) would do. Four
    queries, whatever the number of learners."""
    completed = enrollments.filter(status=Enrollment.Status.COMPLETED)
    to_issue = list(
        completed.filter(~_any_certificate())
        .select_related("application", "cohort")
        .only(
            "pk",
            "user_id",
            "cohort__name",
            "application__given_names",
            "application__paternal_surname",
            "application__maternal_surname",
            "application__reference",
            "application__department",
        )
    )
    to_issue.sort(key=lambda e: e.application.name_sort_key())
    return IssueReview(
        to_issue=to_issue,
        certified=completed.filter(_valid_certificate()).count(),
        revoked=completed.filter(_any_certificate()).exclude(_valid_certificate()).count(),
        not_completed=enrollments.exclude(status=Enrollment.Status.COMPLETED).count(),
    )


@dataclass(frozen=True)
class IssueScope:
    """A cohort or a call, as the issue pages name it."""

    kind: str  # "cohorte" or "convocatoria" (the URL's word)
    pk: int
    title: str
    subtitle: str
    enrollments: QuerySet[Enrollment]
    obj: Any


def issue_scope(user: User, kind: str, pk: int) -> IssueScope | None:
    """The cohort or call ``pk`` with the enrollments this user may see in it, or None."""
    from yachay.cohorts.models import Cohort
    from yachay.programs.models import Call

    visible = enrollments_visible(user)
    if kind == "cohorte":
        cohort = Cohort.objects.select_related("track", "call").filter(pk=pk).first()
        if cohort is None:
            return None
        return IssueScope(
            kind, pk, cohort.name, f"{cohort.track.name} · {cohort.call.title}",
            visible.filter(cohort=cohort), cohort,
        )  # fmt: skip
    if kind == "convocatoria":
        call = Call.objects.select_related("program").filter(pk=pk).first()
        if call is None:
            return None
        return IssueScope(
            kind, pk, call.title, call.program.name,
            visible.filter(application__call=call), call,
        )  # fmt: skip
    return None


@dataclass(frozen=True)
class ScopeRow:
    obj: Any
    completed: int
    certified: int


def issue_overview(user: User) -> tuple[list[ScopeRow], list[ScopeRow]]:
    """Calls and cohorts with completed learners, with how many hold a certificate: the
    staff certificates page's two tables. Four queries."""
    from yachay.cohorts.models import Cohort
    from yachay.programs.models import Call

    completed = enrollments_visible(user).filter(status=Enrollment.Status.COMPLETED)
    certified = completed.filter(_valid_certificate())

    def counts(qs: QuerySet[Enrollment], field: str) -> dict[int, int]:
        return dict(
            qs.values_list(field).annotate(n=Count("pk")).values_list(field, "n").order_by()
        )

    by_call = counts(completed, "application__call_id")
    by_call_ok = counts(certified, "application__call_id")
    by_cohort = counts(completed.exclude(cohort=None), "cohort_id")
    by_cohort_ok = counts(certified.exclude(cohort=None), "cohort_id")
    calls = [
        ScopeRow(c, by_call[c.pk], by_call_ok.get(c.pk, 0))
        for c in Call.objects.filter(pk__in=list(by_call)).order_by("-opens_at")
    ]
    cohorts = [
        ScopeRow(c, by_cohort[c.pk], by_cohort_ok.get(c.pk, 0))
        for c in Cohort.objects.filter(pk__in=list(by_cohort))
        .select_related("track")
        .order_by("-starts_on", "name")
    ]
    return calls, cohorts


SEARCH_LIMIT = 50


def certificates_search(user: User, text: str) -> list[Certificate]:
    """Certificates this user may see whose code, learner's name or email matches ``text``
    (at most ``SEARCH_LIMIT``, newest first)."""
    text = " ".join(str(text).split())[:100]
    if not text or has_control_chars(text):
        return []
    qs = certificates_visible(user).select_related("user")
    code = normalise_code(text)
    if code is not None:
        found = list(qs.filter(code=code))
        if found:
            return found
    return list(
        qs.filter(Q(full_name__icontains=text) | Q(user__email__iexact=text)).order_by(
            "-issued_at"
        )[:SEARCH_LIMIT]
    )


def learner_certificates(user: User, learner_id: int) -> list[Certificate]:
    """A learner's certificates (newest first) as this staff user may see them."""
    return list(
        certificates_visible(user)
        .filter(user_id=learner_id)
        .select_related(
            "user", "revoked_by", "replaces", "enrollment__cohort", "enrollment__application"
        )
        .order_by("-issued_at", "-pk")
    )


LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_add_url(certificate: Certificate) -> str:
    """LinkedIn's "add to profile" link for a certificate, filled in: the certification's
    name, the issuing organisations, the month it was issued, the verification page and
    the code."""
    from yachay.certificates.services import verification_url

    issuers = certificate_issuers(certificate)
    organisation = ", ".join(i.name for i in issuers) or certificate.track.program.name
    issued = timezone.localtime(certificate.issued_at)
    return (
        LINKEDIN_ADD
        + "?"
        + urlencode(
            {
                "startTask": "CERTIFICATION_NAME",
                "name": certificate.track.name,
                "organizationName": organisation,
                "issueYear": issued.year,
                "issueMonth": issued.month,
                "certUrl": verification_url(certificate.code),
                "certId": certificate.code,
            }
        )
    )
