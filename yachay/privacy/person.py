"""A person, as Yachay knows them: their accounts and their applications, and every row that
is about them.

A person is found from an email, a user or an application, then closed over the links that
say "the same person": an application's enrollment names its learner's account; an account's
enrollments name its applications; applications with the same DNI are the same person (the
DNI is Peru's national identity number); an account and an application with the same email
are taken as the same person (the email is what proves identity on the site). Anonymised
rows are left out: they are nobody's any more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from yachay.accounts.models import Role, User
from yachay.core.models import AuditEvent
from yachay.core.personal_data import Declaration, registry
from yachay.intake.models import Application
from yachay.intake.personal_data import ANONYMISED_PREFIX


@dataclass(frozen=True)
class Person:
    """Whose data: the ids of their accounts and applications (possibly none of either)."""

    user_ids: frozenset[int] = frozenset()
    application_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.user_ids and not self.application_ids

    def users(self) -> QuerySet[User]:
        return User.objects.filter(pk__in=self.user_ids)

    def applications(self) -> QuerySet[Application]:
        return Application.objects.filter(pk__in=self.application_ids)

    @property
    def is_staff_member(self) -> bool:
        """An account with a staff role: closed by a program admin, not by cancellation."""
        return (
            self.users()
            .filter(Q(role__in=[Role.ADMIN, Role.COORDINATOR, Role.INSTRUCTOR]) | Q(is_staff=True))
            .exists()
        )


def _normal_email(email: str) -> str:
    return email.strip().lower()


def _close(user_ids: set[int], app_ids: set[int]) -> Person:
    """Follow the links until nothing new is found (two or three rounds in practice)."""
    from yachay.cohorts.models import Enrollment

    live_apps = Application.objects.exclude(dni__startswith=ANONYMISED_PREFIX)
    for _round in range(10):
        before = (len(user_ids), len(app_ids))
        links = Enrollment.objects.filter(Q(user_id__in=user_ids) | Q(application_id__in=app_ids))
        for user_id, app_id in links.values_list("user_id", "application_id"):
            user_ids.add(user_id)
            app_ids.add(app_id)
        dnis = set(live_apps.filter(pk__in=app_ids).values_list("dni", flat=True))
        emails = {
            _normal_email(e)
            for e in User.objects.filter(pk__in=user_ids).values_list("email", flat=True)
            if e
        }
        if dnis:
            app_ids |= set(live_apps.filter(dni__in=dnis).values_list("pk", flat=True))
        if emails:
            found = _by_emails(emails)
            user_ids |= found.user_ids
            app_ids |= found.application_ids
        if (len(user_ids), len(app_ids)) == before:
            break
    return Person(user_ids=frozenset(user_ids), application_ids=frozenset(app_ids))


def _by_emails(emails: Iterable[str]) -> Person:
    users: set[int] = set()
    apps: set[int] = set()
    for email in emails:
        users |= set(
            User.objects.filter(email__iexact=email)
            .exclude(username__startswith="cancelled-")
            .values_list("pk", flat=True)
        )
        apps |= set(
            Application.objects.filter(email__iexact=email)
            .exclude(dni__startswith=ANONYMISED_PREFIX)
            .values_list("pk", flat=True)
        )
    return Person(user_ids=frozenset(users), application_ids=frozenset(apps))


def person_from_email(email: str) -> Person:
    """Everyone who signs in with, or applied with, ``email`` (case-insensitive)."""
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        return Person()
    if any(ord(c) < 32 for c in email):  # NUL and control characters: no address has them
        return Person()
    found = _by_emails([_normal_email(email)])
    return _close(set(found.user_ids), set(found.application_ids))


def person_from_user(user: User) -> Person:
    return _close({user.pk}, set())


def person_from_application(application: Application) -> Person:
    return _close(set(), {application.pk})


def person_from_ids(*, user_ids: Iterable[int], application_ids: Iterable[int]) -> Person:
    """The person as a cancellation log recorded them (not closed: the log is exact)."""
    return Person(user_ids=frozenset(user_ids), application_ids=frozenset(application_ids))


# -- the person's rows, per registered model --------------------------------------------------

#: How each model's rows are found from a person: a lookup to an account (``user``) or an
#: application (``application``). A new model with personal data adds its line here, or to
#: SPECIAL_FINDERS, or to NOT_PER_PERSON with the reason; the registry's test says which.
PERSON_LOOKUPS: dict[str, dict[str, str]] = {
    "accounts.User": {"pk": "user"},
    "accounts.ApiKey": {"user": "user"},
    "intake.Application": {"pk": "application"},
    "selection.Decision": {"application": "application"},
    "selection.Offer": {"decision__application": "application"},
    "cohorts.Enrollment": {"application": "application", "user": "user"},
    "cohorts.Attendance": {"enrollment__application": "application", "enrollment__user": "user"},
    "learning.LessonProgress": {"user": "user"},
    "learning.QuizAttempt": {"user": "user"},
    "learning.QuizAttemptGrant": {"user": "user"},
    "learning.Completion": {"user": "user"},
    "certificates.Certificate": {"user": "user"},
    "engagement.Message": {"application": "application", "user": "user"},
    "engagement.DeliveryReport": {"message__application": "application", "message__user": "user"},
    "surveys.Invitation": {"application": "application"},
    "surveys.Answer": {"invitation__application": "application"},
    "reports.LearnerActivity": {
        "enrollment__application": "application",
        "enrollment__user": "user",
    },
    "otp_totp.TOTPDevice": {"user": "user"},
    "otp_static.StaticDevice": {"user": "user"},
    "otp_static.StaticToken": {"device__user": "user"},
}

#: Models whose rows hold several people's data at once, and why cancellation leaves them.
NOT_PER_PERSON: dict[str, str] = {
    "selection.SelectionRun": (
        "a run's stored inputs list every applicant of the call by application id with the "
        "four facts the targets count; they identify nobody once the application is "
        "anonymised, and the published selection must stay reproducible"
    ),
    "privacy.Cancellation": "the log itself: keyed hashes and ids, what a restore re-applies",
    "sessions.Session": (
        "a session names its account only inside its signed data, so finding one person's "
        "means decoding every live session; a cancellation ends the person's sessions at once "
        "instead (the account's password hash changes, which Django checks on every request) "
        "and the daily job deletes the rows of cancelled accounts (sessions_of_cancelled_delete)"
    ),
}


def _usernames(person: Person) -> set[str]:
    names: set[str] = set()
    for username, email in person.users().values_list("username", "email"):
        names.add(username)
        if email:
            names.add(email)
    return names


def _axes_rows(model: type[models.Model]) -> Callable[[Person], QuerySet[models.Model]]:
    def find(person: Person) -> QuerySet[models.Model]:
        return model._default_manager.filter(username__in=_usernames(person))

    return find


def _object_keys(person: Person) -> list[tuple[type[models.Model], set[str]]]:
    from yachay.cohorts.models import Enrollment

    enrollments = Enrollment.objects.filter(
        Q(user_id__in=person.user_ids) | Q(application_id__in=person.application_ids)
    ).values_list("pk", flat=True)
    return [
        (User, {str(pk) for pk in person.user_ids}),
        (Application, {str(pk) for pk in person.application_ids}),
        (Enrollment, {str(pk) for pk in enrollments}),
    ]


def _log_entries(person: Person) -> QuerySet[models.Model]:
    q = Q(pk__in=[])
    for model, ids in _object_keys(person):
        if ids:
            ct = ContentType.objects.get_for_model(model)
            q |= Q(content_type=ct, object_id__in=ids)
    return LogEntry.objects.filter(q)


def audit_events(person: Person) -> QuerySet[AuditEvent]:
    """The audit rows about the person's account, applications and enrollment, and those
    their account did (they hold ids and statuses only)."""
    q = Q(actor_id__in=person.user_ids)
    for model, ids in _object_keys(person):
        if ids:
            q |= Q(object_type=model._meta.label_lower, object_id__in=ids)
    return AuditEvent.objects.filter(q)


def _emails(person: Person) -> set[str]:
    found = set(person.users().values_list("email", flat=True))
    found |= set(person.applications().values_list("email", flat=True))
    return {_normal_email(e) for e in found if e}


def _by_email(label: str) -> Callable[[Person], QuerySet[models.Model]]:
    """Rows keyed by the normalised address: objections (core.objections) and engagement's
    consent."""

    def rows(person: Person) -> QuerySet[models.Model]:
        return apps.get_model(label)._default_manager.filter(email__in=_emails(person))

    return rows


def _cases(person: Person) -> QuerySet[models.Model]:
    """ARCO cases: by account, by application, or by the address they were sent from."""
    from yachay.privacy.models import Case

    q = Q(user_id__in=person.user_ids) | Q(application_id__in=person.application_ids)
    emails = _emails(person)
    if emails:
        q |= Q(email__in=emails)
    return Case.objects.filter(q)


SPECIAL_FINDERS: dict[str, Callable[[Person], QuerySet[models.Model]]] = {
    "core.Objection": _by_email("core.Objection"),
    "engagement.ContactPreference": _by_email("engagement.ContactPreference"),
    "engagement.Unsubscription": _by_email("engagement.Unsubscription"),
    "privacy.Case": _cases,
    "admin.LogEntry": _log_entries,
    "core.AuditEvent": audit_events,
}


def _register_axes() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        SPECIAL_FINDERS[model._meta.label] = _axes_rows(model)


_register_axes()


def rows_of(person: Person, declaration: Declaration) -> QuerySet[models.Model] | None:
    """The person's rows of one declared model, or None when it has no per-person rows."""
    model = declaration.model
    if declaration.label in SPECIAL_FINDERS:
        return SPECIAL_FINDERS[declaration.label](person)
    lookups = PERSON_LOOKUPS.get(declaration.label)
    if lookups is None:
        return None
    q = Q(pk__in=[])
    for path, kind in lookups.items():
        ids = person.user_ids if kind == "user" else person.application_ids
        if ids:
            q |= Q(**{f"{path}__in": ids})
    qs = model._default_manager.filter(q)
    if declaration.select_related:
        qs = qs.select_related(*declaration.select_related)
    return qs


def person_rows(person: Person) -> dict[str, QuerySet[models.Model]]:
    """Every declared model's rows about the person (models without such rows left out)."""
    out: dict[str, QuerySet[models.Model]] = {}
    for label, declaration in sorted(registry().items()):
        rows = rows_of(person, declaration)
        if rows is not None:
            out[label] = rows
    return out
