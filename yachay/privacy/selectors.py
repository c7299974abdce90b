"""Reads of the privacy app: the registry as staff and the privacy notice read it.

Reads for ARCO cases: whose data a case is about, the staff list, the deadline clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils import timezone

from yachay.core.objections import normalise_email
from yachay.core.personal_data import registry
from yachay.core.workdays import peru_business_days_between
from yachay.intake.models import Application
from yachay.privacy.models import Case, RetentionRule
from yachay.privacy.person import (
    Person,
    person_from_application,
    person_from_email,
    person_from_user,
)
from yachay.programs.models import Call

if TYPE_CHECKING:
    from yachay.accounts.models import User


@dataclass(frozen=True)
class FieldRow:
    name: str
    category: str
    purpose: str
    retention: str
    on_cancel: str
    reason: str


@dataclass(frozen=True)
class TableRow:
    label: str
    name: str
    purpose: str
    fields: list[FieldRow]


def registry_tables() -> list[TableRow]:
    """Every model that holds personal data, with each personal field's category, purpose,
    retention and fate on cancellation, in words (the page and the notice read these)."""
    out = []
    for label, d in sorted(registry().items()):
        if not d.holds_personal_data:
            continue
        fields = [
            FieldRow(
                name=d.field_name(name),
                category=str(spec.category.label),
                purpose=str(spec.purpose),
                retention=str(spec.retention.label),
                on_cancel=str(spec.on_cancel.label),
                reason=str(spec.reason),
            )
            for name, spec in d.personal.items()
        ]
        out.append(
            TableRow(
                label=label,
                name=d.name(),
                purpose=str(d.purpose),
                fields=fields,
            )
        )
    return out


@dataclass(frozen=True)
class CallRetention:
    call: Call
    months: int
    own_rule: bool
    shred_on: dt.date


def call_retentions() -> list[CallRetention]:
    """Each call's retention: its months (its own rule or the default) and the day its
    applications of people without a place are anonymised. Two queries, whatever the calls."""
    from yachay.privacy.services import _add_months

    rules = dict(RetentionRule.objects.values_list("call_id", "months"))
    default = settings.YACHAY_RETENTION_MONTHS
    return [
        CallRetention(
            call=call,
            months=rules.get(call.pk, default),
            own_rule=call.pk in rules,
            shred_on=timezone.localtime(
                _add_months(call.closes_at, rules.get(call.pk, default))
            ).date(),
        )
        for call in Call.objects.select_related("program").order_by("-closes_at", "pk")
    ]


def case_addresses(case: Case) -> set[str]:
    """The normalised addresses the case's person is known by (for objections)."""
    person = case_person(case)
    found = {case.email}
    found |= set(person.users().values_list("email", flat=True))
    found |= set(person.applications().values_list("email", flat=True))
    return {normalise_email(e) for e in found if e}


def case_person(case: Case) -> Person:
    """Whose data the case is about: the signed-in account, the application named by DNI and
    reference, or the email on file (each followed to the same person's other records by
    the registry's finders: their DNI, their account)."""
    if case.user is not None:
        return person_from_user(case.user)
    if case.route == Case.Route.DNI and case.application is not None:
        return person_from_application(case.application)
    if case.email:
        return person_from_email(case.email)
    return Person()


def case_applications(case: Case) -> QuerySet[Application]:
    """The applications a case is about (a rectification corrects each of them)."""
    return case_person(case).applications().select_related("call").order_by("created_at")


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
