"""Reads for ARCO cases: whose data a case is about, the staff list, the deadline clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yachay.certificates.models import Certificate
from yachay.core.objections import normalise_email
from yachay.core.workdays import peru_business_days_between
from yachay.intake.models import Application
from yachay.privacy._pending import Person
from yachay.privacy.models import Case
from yachay.selection.models import Offer

if TYPE_CHECKING:
    from yachay.accounts.models import User


def case_addresses(case: Case) -> set[str]:
    """The normalised addresses the case's person is known by (for objections)."""
    found = {case.email}
    if case.user is not None and case.user.email:
        found.add(case.user.email)
    if case.application is not None:
        found.add(case.application.email)
    return {normalise_email(e) for e in found if e}


def case_applications(case: Case) -> QuerySet[Application]:
    """The applications a case is about, by how the person proved who they are: the
    account's own (its enrollments, its address); the address on file; or, for DNI and
    reference, the applications with that DNI *and* that address (never another DNI's)."""
    if case.route == Case.Route.ACCOUNT and case.user is not None:
        q = Q(enrollment__user=case.user)
        if case.user.email:
            q |= Q(email__iexact=case.user.email)
    elif case.route == Case.Route.DNI and case.application is not None:
        q = Q(pk=case.application_id) | Q(
            dni=case.application.dni, email__iexact=case.application.email
        )
    elif case.email:
        q = Q(email__iexact=case.email)
    else:
        return Application.objects.none()
    return Application.objects.filter(q).distinct().order_by("created_at")


def case_person(case: Case) -> Person:
    if case.user is not None:
        return Person.from_user(case.user)
    if case.route == Case.Route.DNI and case.application is not None:
        return Person.from_application(case.application)
    return Person.from_email(case.email)


def cancellation_keeps(case: Case) -> list[Promise]:
    """What a cancellation keeps and why, in words for the person and the admin."""
    apps = list(case_applications(case))
    kept: list[Promise] = []
    user_ids = {case.user_id} if case.user_id else set()
    has_certificate = Certificate.objects.filter(
        Q(enrollment__application__in=apps) | Q(user_id__in=user_ids)
    ).exists()
    if has_certificate:
        kept.append(
            _(
                "The facts a certificate's verification needs (the name on it, the course and "
                "the date), so that an employer holding your certificate can still check it "
                "is genuine."
            )
        )
    if Offer.objects.filter(decision__application__in=apps, state=Offer.State.PENDING).exists():
        kept.append(
            _(
                "Your open offer of a place ends: the place goes to the next person on the "
                "waiting list."
            )
        )
    kept.append(
        _(
            "The program's totals (how many applied, took part and finished), which count "
            "you without your name, and the record that this request was answered."
        )
    )
    return kept


@dataclass(frozen=True)
class Clock:
    """Where a case stands against its deadline, for a badge on staff pages."""

    due_on: dt.date | None
    days_left: int | None  # business days; negative when late
    overdue: bool

    @property
    def days_late(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0


def clock(case: Case, today: dt.date | None = None) -> Clock:
    today = today or timezone.localdate()
    if case.due_on is None or not case.is_open:
        return Clock(case.due_on, None, False)
    left = peru_business_days_between(today, case.due_on)
    return Clock(case.due_on, left, case.due_on < today)


def cases_for_staff(status: str = "open") -> QuerySet[Case]:
    """The staff list: open cases first, the most overdue at the top (earliest deadline
    first); then closed ones, newest first. Unconfirmed requests are not cases yet."""
    qs = Case.objects.exclude(status=Case.Status.RECEIVED).select_related("handled_by")
    if status == "open":
        qs = qs.filter(status__in=Case.OPEN)
    elif status == "closed":
        qs = qs.filter(status__in=(Case.Status.ANSWERED, Case.Status.REJECTED))
    return qs.annotate(
        closed=When_(
            When(status__in=Case.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("closed", "due_on", "-answered_at", "created_at")


def case_counts() -> dict[str, int]:
    today = timezone.localdate()
    open_ = Case.objects.filter(status__in=Case.OPEN)
    return {
        "open": open_.count(),
        "overdue": open_.filter(due_on__lt=today).count(),
    }


def learner_cases(user: User) -> QuerySet[Case]:
    return Case.objects.filter(user=user).order_by("-created_at")


def application_by_dni_reference(*, dni: str, reference: str) -> Application | None:
    """Both must match (as on the status page): a reference alone shows nothing."""
    return Application.objects.filter(dni=dni, reference=reference.upper()).first()


def email_on_file(email: str) -> bool:
    """True when an application or a learner's account holds this address."""
    from yachay.accounts.models import Role, User

    address = normalise_email(email)
    if not address:
        return False
    return (
        Application.objects.filter(email__iexact=address).exists()
        or User.objects.filter(email__iexact=address, role=Role.LEARNER, is_active=True).exists()
    )
