"""ARCO requests (Ley 29733): open, confirm, handle and answer a person's request.

A request from the site becomes a ``Case``. Whoever is not signed in proves who they are by a
link sent to the email on file (signed, expiring, single use); a signed-in learner is
already proven. Once confirmed:

- access is answered at once: the person downloads what we hold (``person_access_export``);
- opposition is answered at once: the objections are recorded in ``core.Objection``, which
  every app reads through ``core.objections.objects_to``;
- rectification and cancellation wait for a program admin, who approves (through
  ``intake.services.application_rectify`` / ``person_cancel``) or rejects with a reason.

Every change is audited (without personal data); every answer is emailed through
``core.services.email_send_once`` by ``privacy.tasks``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yachay.core.actors import Actor
from yachay.core.models import Objection
from yachay.core.services import audit_record, email_send_once, objection_record
from yachay.core.workdays import peru_add_business_days
from yachay.intake.models import Application
from yachay.privacy import selectors, tasks
from yachay.privacy._pending import person_cancel
from yachay.privacy.models import Case

if TYPE_CHECKING:
    from yachay.accounts.models import User

CONFIRM_SALT = "yachay.privacy.confirm"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class CaseRefused(Exception):
    """A request or an action that cannot go ahead, with the words to show."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def new_reference() -> str:
    return "ARCO-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def term_days(kind: str) -> int:
    """The answer term in business days (settings; docs/privacy.md says where they come from)."""
    if kind == Case.Kind.ACCESS:
        return int(settings.YACHAY_ARCO_DAYS_ACCESS)
    return int(settings.YACHAY_ARCO_DAYS_OTHER)


def due_date(kind: str, confirmed_on: dt.date) -> dt.date:
    return peru_add_business_days(confirmed_on, term_days(kind))


def _local_today() -> dt.date:
    return timezone.localdate()


def case_open(
    *,
    kind: str,
    route: str,
    email: str,
    actor: Actor,
    user: User | None = None,
    application: Application | None = None,
    details: dict[str, Any] | None = None,
    note: str = "",
    language: str = "es",
    submission_key: uuid.UUID | None = None,
) -> Case:
    """Open a case. A signed-in learner's case is confirmed at once; any other waits for the
    link emailed to ``email`` (the address on file, never one the person just typed unless it
    is on file). The same ``submission_key`` twice gives the same case (a double click)."""
    if kind not in Case.Kind.values or route not in Case.Route.values:
        raise ValueError("unknown kind or route")
    if submission_key is not None:
        existing = Case.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            case = Case(
                code=secrets.token_urlsafe(24),
                reference=new_reference(),
                kind=kind,
                route=route,
                email=email,
                user=user,
                application=application,
                details=details or {},
                note=note,
                language=language[:5],
                submission_key=submission_key,
            )
            if route == Case.Route.ACCOUNT:
                _confirm_fields(case)
            else:
                case.confirm_nonce = secrets.token_urlsafe(16)
            case.save(force_insert=True)
            audit_record(
                actor=actor,
                action="privacy.case_open",
                obj=case,
                changes={"kind": kind, "route": route, "status": case.status},
            )
            if route == Case.Route.ACCOUNT:
                _after_confirmation(case, actor)
            else:
                transaction.on_commit(partial(tasks.send_confirmation.enqueue, case_id=case.pk))
    except IntegrityError:
        if submission_key is None:
            raise
        return Case.objects.get(submission_key=submission_key)  # a concurrent double submit
    return case


def _confirm_fields(case: Case) -> None:
    now = timezone.now()
    case.status = Case.Status.CONFIRMED
    case.confirmed_at = now
    case.confirm_nonce = ""
    case.due_on = due_date(case.kind, timezone.localdate(now))


def confirmation_token(case: Case) -> str:
    return signing.dumps({"c": case.code, "n": case.confirm_nonce}, salt=CONFIRM_SALT)


def case_from_confirmation(token: str) -> Case:
    """The case a confirmation link names. Raises ``CaseRefused`` for a forged, expired or
    already used link (nothing is changed)."""
    max_age = dt.timedelta(hours=settings.YACHAY_ARCO_CONFIRM_HOURS)
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise CaseRefused(
            _("This confirmation link has expired. Send your request again from the site.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise CaseRefused(
            _("This confirmation link is not valid. Copy the whole link from the email.")
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        raise CaseRefused(
            _("This confirmation link is not valid. Copy the whole link from the email.")
        )
    case = Case.objects.filter(code=data["c"]).first()
    if case is None:
        raise CaseRefused(
            _("This confirmation link is not valid. Copy the whole link from the email.")
        )
    if case.status != Case.Status.RECEIVED or not case.confirm_nonce:
        raise CaseRefused(_("This request is already confirmed."))
    if not secrets.compare_digest(str(data.get("n", "")), case.confirm_nonce):
        raise CaseRefused(
            _("This confirmation link is not valid. Copy the whole link from the email.")
        )
    return case


def case_confirm(*, token: str, actor: Actor) -> Case:
    """Confirm a request from its emailed link: the identity is proven, the clock starts.
    A second use of the same link changes nothing (``CaseRefused``)."""
    with transaction.atomic():
        found = case_from_confirmation(token)
        case = Case.objects.select_for_update().get(pk=found.pk)
        if case.status != Case.Status.RECEIVED or case.confirm_nonce != found.confirm_nonce:
            raise CaseRefused(_("This request is already confirmed."))
        _confirm_fields(case)
        case.save(update_fields=["status", "confirmed_at", "confirm_nonce", "due_on"])
        audit_record(
            actor=actor,
            action="privacy.case_confirm",
            obj=case,
            changes={"status": [Case.Status.RECEIVED, case.status], "due_on": str(case.due_on)},
        )
        _after_confirmation(case, actor)
    return case


def _after_confirmation(case: Case, actor: Actor) -> None:
    """Access and opposition need no decision: they are answered at once."""
    with translation.override(case.language):
        _answer_at_once(case, actor)


def _answer_at_once(case: Case, actor: Actor) -> None:
    if case.kind == Case.Kind.ACCESS:
        _answer(
            case,
            actor=actor,
            status=Case.Status.ANSWERED,
            text=_(
                "Your data are ready. Download them from the page of your request, as a "
                "readable page or as a JSON file, within %(days)d days."
            )
            % {"days": settings.YACHAY_ARCO_DOWNLOAD_DAYS},
        )
    elif case.kind == Case.Kind.OPPOSITION:
        purposes = [p for p in case.details.get("purposes", []) if p in Objection.Purpose.values]
        for address in selectors.case_addresses(case):
            for purpose in purposes:
                objection_record(
                    email=address,
                    purpose=purpose,
                    actor=actor,
                    source=f"privacy-case:{case.reference}",
                )
        names = ", ".join(str(Objection.Purpose(p).label) for p in purposes)
        _answer(
            case,
            actor=actor,
            status=Case.Status.ANSWERED,
            text=_(
                "We recorded your objection. From now on we do not use your data for: "
                "%(purposes)s. Messages about your place, your sessions and your certificate "
                "still reach you, because taking part needs them."
            )
            % {"purposes": names},
        )


def _answer(case: Case, *, actor: Actor, status: str, text: str) -> None:
    """Close the case with ``text`` (in the case's language) and email it after commit."""
    old = case.status
    case.status = status
    case.answer = text
    case.answered_at = timezone.now()
    if actor.user is not None and getattr(actor.user, "is_program_admin", False):
        case.handled_by = actor.user
    case.save(update_fields=["status", "answer", "answered_at", "handled_by"])
    audit_record(
        actor=actor, action="privacy.case_answer", obj=case, changes={"status": [old, status]}
    )
    transaction.on_commit(partial(tasks.send_answer.enqueue, case_id=case.pk))


def _locked_open(case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in Case.OPEN:
        raise CaseRefused(_("This request is already closed."))
    return locked


def case_take(*, case: Case, actor: Actor) -> Case:
    """A program admin takes the case: it is in progress and theirs."""
    with transaction.atomic():
        case = _locked_open(case)
        old = case.status
        case.status = Case.Status.IN_PROGRESS
        case.handled_by = actor.user
        case.save(update_fields=["status", "handled_by"])
        audit_record(
            actor=actor,
            action="privacy.case_take",
            obj=case,
            changes={"status": [old, case.status]},
        )
    return case


def case_reject(*, case: Case, reason: str, actor: Actor) -> Case:
    """Refuse the request, saying why; the person gets the reason by email."""
    reason = reason.strip()
    if not reason:
        raise CaseRefused(_("Say why the request is rejected: the person reads it."))
    with transaction.atomic():
        case = _locked_open(case)
        with translation.override(case.language):
            text = _("We cannot grant your request. The reason: %(reason)s") % {"reason": reason}
        _answer(case, actor=actor, status=Case.Status.REJECTED, text=text)
    return case


RECTIFIED_TEXT = gettext_lazy("We corrected your data as you asked.")


def case_rectify(*, case: Case, actor: Actor) -> Case:
    """Apply an approved rectification to each of the person's applications, through intake
    (validated like the form; a certificate with a corrected name is re-issued by the
    certificates app when it hears of it). Invalid data refuse the whole case: nothing changes."""
    from yachay.intake.services import application_rectify

    if case.kind != Case.Kind.RECTIFICATION:
        raise CaseRefused(_("Only a rectification request can be approved this way."))
    changes = dict(case.details.get("changes", {}))
    if not changes:
        raise CaseRefused(_("This request names no change to make."))
    with transaction.atomic():
        case = _locked_open(case)
        apps = list(selectors.case_applications(case))
        if not apps:
            raise CaseRefused(_("We hold no application of this person to correct."))
        for app in apps:
            try:
                application_rectify(
                    application=app,
                    changes=_as_model_values(changes),
                    reason=f"privacy-case:{case.reference}",
                    actor=actor,
                )
            except ValidationError as exc:
                raise CaseRefused(
                    _("The correction is not valid: %(errors)s")
                    % {"errors": " ".join(str(m) for m in exc.messages)}
                ) from None
        with translation.override(case.language):
            _answer(case, actor=actor, status=Case.Status.ANSWERED, text=str(RECTIFIED_TEXT))
    return case


def _as_model_values(changes: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(changes)
    if "birth_date" in out:
        out["birth_date"] = dt.date.fromisoformat(out["birth_date"])
    return out


def case_cancel(*, case: Case, actor: Actor) -> Case:
    """Carry out an approved cancellation through ``person_cancel`` (the registry says what
    is erased, anonymised or kept, and why); the person is told what was kept."""
    if case.kind != Case.Kind.CANCELLATION:
        raise CaseRefused(_("Only a cancellation request can be carried out this way."))
    with transaction.atomic():
        case = _locked_open(case)
        person = selectors.case_person(case)
        kept = selectors.cancellation_keeps(case)
        person_cancel(person=person, actor=actor, reason=f"privacy-case:{case.reference}")
        with translation.override(case.language):
            text = str(_("We deleted or anonymised your personal data and closed your account."))
            if kept:
                text += " " + str(_("We keep only what the law or the program's record requires:"))
                text += " " + " ".join(str(k) for k in kept)
        _answer(case, actor=actor, status=Case.Status.ANSWERED, text=text)
    return case


def case_send_confirmation(*, case_id: int) -> bool:
    """Email the confirmation link (run by the task worker)."""
    case = Case.objects.filter(pk=case_id, status=Case.Status.RECEIVED).first()
    if case is None or not case.email or not case.confirm_nonce:
        return False
    site = settings.YACHAY_SITE_URL.rstrip("/")
    from django.urls import reverse

    with translation.override(case.language):
        context = {
            "case": case,
            "link": site + reverse("privacy:confirm", args=[confirmation_token(case)]),
            "hours": settings.YACHAY_ARCO_CONFIRM_HOURS,
        }
        subject = render_to_string("privacy/email/confirm_subject.txt", context).strip()
        body = render_to_string("privacy/email/confirm.txt", context)
    message = EmailMessage(subject, body, to=[case.email])
    return email_send_once(key=f"privacy-case:{case.pk}:confirm", message=message)


def case_send_answer(*, case_id: int) -> bool:
    """Email the answer (run by the task worker); after a cancellation, forget the address."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None or case.status not in (Case.Status.ANSWERED, Case.Status.REJECTED):
        return False
    if not case.email:
        return False
    site = settings.YACHAY_SITE_URL.rstrip("/")
    from django.urls import reverse

    with translation.override(case.language):
        context = {"case": case, "link": site + reverse("privacy:case", args=[case.code])}
        subject = render_to_string("privacy/email/answer_subject.txt", context).strip()
        body = render_to_string("privacy/email/answer.txt", context)
    message = EmailMessage(subject, body, to=[case.email])
    sent = email_send_once(key=f"privacy-case:{case.pk}:answer", message=message)
    if case.kind == Case.Kind.CANCELLATION and case.status == Case.Status.ANSWERED:
        Case.objects.filter(pk=case.pk).update(email="", note="")
    return sent
