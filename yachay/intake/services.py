from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, connections, router, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yachay.core.actors import Actor
from yachay.core.inserts import can_insert_together, insert_together
from yachay.core.queue import enqueue_with_transaction, task_row
from yachay.core.services import audit_event, audit_record, email_send_once
from yachay.core.validators import clean_text, has_control_chars
from yachay.intake import tasks
from yachay.intake.forms import TYPE_MESSAGES, ApplicationFields
from yachay.intake.models import Application
from yachay.intake.signals import application_rectified, application_submitted
from yachay.programs.models import Call

# No 0/O, 1/I/L, U: a code read over the phone or typed on a small screen.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
APPLICANT_FIELDS = (
    "dni", "dni_check", "given_names", "paternal_surname", "maternal_surname", "birth_date",
    "gender", "email", "phone", "ubigeo", "segment", "ruc", "business_name", "sector",
    "woman_led", "digital_level", "modality", "schedules", "accessibility_needs",
    "consent_version",
)  # fmt: skip


class CallNotOpen(Exception):
    def __init__(self, call: Call) -> None:
        self.call = call
        self.state = call.state()
        super().__init__(self.state)


class DuplicateApplication(Exception):
    def __init__(self, existing: Application) -> None:
        self.existing = existing
        super().__init__(existing.reference)


def new_reference() -> str:
    return "YCH-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def application_submit(
    *,
    call: Call,
    data: dict[str, Any],
    consent_ip: str,
    actor: Actor,
    source: str,
    submission_key: uuid.UUID | None = None,
) -> Application:
    """Store a validated application, audit it, and email its reference after commit.

    ``data`` is a form's ``cleaned_data``. Raises ``CallNotOpen`` outside the
    call's window and ``DuplicateApplication`` when the DNI already applied to
    this call, including when a concurrent request wins the race.
    """
    if not call.is_open():
        raise CallNotOpen(call)
    fields = {name: data.get(name) for name in APPLICANT_FIELDS}
    fields = {k: ("" if v is None and k not in ("woman_led",) else v) for k, v in fields.items()}
    now = timezone.now()
    for attempt in range(5):
        app = Application(
            call=call,
            reference=new_reference(),
            source=source,
            api_key=actor.api_key,
            submission_key=submission_key,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            department=str(fields["ubigeo"])[:2],
            consent_at=now,
            consent_ip=consent_ip,
            **fields,
        )
        try:
            _store_new(app, actor=actor)
        except IntegrityError:
            existing = Application.objects.filter(call=call, dni=fields["dni"]).first()
            if existing is None and submission_key is not None:
                existing = Application.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                raise DuplicateApplication(existing) from None
            if attempt == 4:
                raise
            continue  # a reference collision (1 in ~700 million): draw again
        transaction.on_commit(
            partial(application_submitted.send, sender=Application, application=app)
        )
        return app
    raise AssertionError("unreachable")


# On PostgreSQL, one statement writes the application, its audit row and its confirmation
# email's task row: building and compiling three INSERTs through the ORM, and five round
# trips (BEGIN, three INSERTs, COMMIT), were two fifths of the API's CPU per application
# (bench/intake_profile.py). The database fills in what depends on the new row: the audit
# row's object id, the task's argument; the three rows share the application's time (and
# the statement keeps within psycopg's cached parse: core.inserts.PSYCOPG_CACHED_PARAMS).
AUDIT_OF_NEW = {"object_id": "CAST({new.id} AS varchar)", "created_at": "{new.created_at}"}
TASK_OF_NEW = {
    "args_kwargs": "jsonb_set({value}, ARRAY['kwargs', 'application_id'], to_jsonb({new.id}))",
    "enqueued_at": "{new.created_at}",
}


def _store_new(app: Application, *, actor: Actor) -> None:
    """Write ``app``, its audit row and the task that emails its reference, all or none."""
    event = audit_event(
        actor=actor,
        action="application.submit",
        obj=app,
        changes={"status": [None, app.status], "reference": app.reference},
    )
    connection = connections[router.db_for_write(Application)]
    if not can_insert_together(connection):  # SQLite: the ORM, in one transaction
        with transaction.atomic():
            app.save(force_insert=True)
            event.object_id = str(app.pk)
            event.save(force_insert=True)
            enqueue_with_transaction(tasks.send_confirmation, application_id=app.pk)
        return
    task = task_row(tasks.send_confirmation, application_id=None)
    later = [(event, AUDIT_OF_NEW)] + ([(task, TASK_OF_NEW)] if task is not None else [])
    if connection.in_atomic_block:  # a caller's transaction: a failure rolls back to here
        with transaction.atomic():
            insert_together(app, *later)
    else:  # autocommit: the one statement is its own transaction
        insert_together(app, *later)
    event.object_id = str(app.pk)
    if task is None:  # the queue is elsewhere (a broker; the tests' immediate backend)
        transaction.on_commit(partial(tasks.send_confirmation.enqueue, application_id=app.pk))


def applications_status_set(
    *,
    application_ids: Iterable[int] | QuerySet[Any],
    status: str,
    actor: Actor,
    reason: str,
    call: Call | None = None,
) -> int:
    """Move applications to ``status`` (the later steps call this, in their transaction).

    ``application_ids`` may be a queryset of ids (``values("application_id")``): it is
    then a subquery, with no limit on how many.

    One audit row per application, with old and new status; for a whole published
    selection (``call`` given), one row on the call with the count instead, so that
    publishing 80,000 decisions does not write 80,000 audit rows. Returns how many changed.
    """
    if status not in Application.Status.values:
        raise ValueError(f"unknown application status {status!r}")
    if isinstance(application_ids, QuerySet):
        chunks: list[Any] = [application_ids]
    else:
        ids = list(application_ids)  # in chunks: SQLite limits a query's parameters
        chunks = [ids[i : i + 5000] for i in range(0, len(ids), 5000)]
    if call is not None:
        changed = sum(
            Application.objects.filter(pk__in=chunk).exclude(status=status).update(status=status)
            for chunk in chunks
        )
        if changed:
            audit_record(
                actor=actor,
                action="application.status",
                obj=call,
                changes={"status": [None, status], "applications": changed, "reason": reason},
            )
        return changed
    changed = 0
    qs = Application.objects.filter(pk__in=chunks[0] if chunks else []).exclude(status=status)
    for app in qs.only("pk", "status"):
        old = app.status
        Application.objects.filter(pk=app.pk).update(status=status)
        audit_record(
            actor=actor,
            action="application.status",
            obj=app,
            changes={"status": [old, status], "reason": reason},
        )
        changed += 1
    return changed


# A DNI that applies again gets its reference again, by email to the address on file, at
# most this often: the form cannot be used to flood someone's inbox.
REFERENCE_AGAIN_EVERY = 3600  # seconds


def application_reference_resend(*, application: Application, actor: Actor) -> bool:
    """Someone sent the form again with the DNI of ``application``: queue an email with its
    reference to the address given *in that application* (never to the one just typed,
    which would hand anyone the reference of any DNI). At most once an hour per
    application; returns whether an email was queued.

    The web form answers the same page either way, so it does not tell whether a DNI
    has applied (issue #10).
    """
    if not cache.add(f"intake:reference-again:{application.pk}", 1, REFERENCE_AGAIN_EVERY):
        return False
    from yachay.intake import tasks  # the task module calls back into this one: import late

    # The hour it was asked in names the email: a task run twice, or a second process whose
    # cache did not see the first request, sends it once (core.services.email_send_once).
    hour = timezone.now().strftime("%Y%m%d%H")
    with transaction.atomic():
        audit_record(actor=actor, action="application.reference_resend", obj=application)
        transaction.on_commit(
            partial(tasks.send_reference_again.enqueue, application_id=application.pk, hour=hour)
        )
    return True


def application_send_reference_again(*, application_id: int, hour: str = "") -> bool:
    """Email an application's reference to its own address, in the language it was made in;
    once per application and ``hour`` it was asked in. True if sent now."""
    app = Application.objects.select_related("call__program").get(pk=application_id)
    with translation.override(app.language):
        context = {
            "app": app,
            "site_url": settings.YACHAY_SITE_URL.rstrip("/"),
            "contact_email": settings.YACHAY_CONTACT_EMAIL,
        }
        subject = render_to_string("intake/email/reference_again_subject.txt", context).strip()
        body = render_to_string("intake/email/reference_again.txt", context)
    message = EmailMessage(subject, body, to=[app.email])
    return email_send_once(key=f"application:{app.pk}:reference-again:{hour}", message=message)


def application_send_confirmation(*, application_id: int) -> bool:
    """Email the reference code, in the language the person applied in (run by the task
    worker: a mail server that is down never turns a stored application into an error)."""
    return _send_confirmation(
        Application.objects.select_related("call__program").get(pk=application_id)
    )


def _send_confirmation(app: Application) -> bool:
    with translation.override(app.language):
        context = {"app": app, "site_url": settings.YACHAY_SITE_URL.rstrip("/")}
        subject = render_to_string("intake/email/confirmation_subject.txt", context).strip()
        body = render_to_string("intake/email/confirmation.txt", context)
    message = EmailMessage(subject, body, to=[app.email])
    return email_send_once(key=f"application:{app.pk}:confirmation", message=message)


# What staff may correct in an application: the person's identity and contact data, checked
# by the application form's own rules. What the person chose (segment, modality,
# schedules...) is what they applied with, and stays.
RECTIFIABLE_FIELDS = (
    "dni", "dni_check", "given_names", "paternal_surname", "maternal_surname", "birth_date",
    "gender", "email", "phone", "ruc", "business_name",
)  # fmt: skip
NAME_FIELDS = frozenset({"given_names", "paternal_surname", "maternal_surname"})
# Written to the audit as keyed fingerprints, never in plain text (core.AuditEvent keeps no
# DNI, birth date, phone or email): the same value always gives the same fingerprint, so an
# auditor holding a value can tell whether it was the old or the new one.
FINGERPRINTED_FIELDS = frozenset({"dni", "dni_check", "birth_date", "email", "phone", "ruc"})
REASON_MAX_LENGTH = 500
FULL_NAME_MAX_LENGTH = 120  # as the certificate prints it


def audit_fingerprint(value: object) -> str:
    """A keyed fingerprint of a personal value for the audit ("" stays "")."""
    text = "" if value in (None, "") else str(value)
    if not text:
        return ""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"intake-audit:{text}".encode(), hashlib.sha256
    ).hexdigest()
    return f"hmac:{digest[:16]}"


def _form_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rectified_values(application: Application, changes: dict[str, object]) -> dict[str, object]:
    """The cleaned new values of ``changes``, by the application form's rules; raises a
    ``ValidationError`` keyed by field with the form's (translated) messages."""
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name not in RECTIFIABLE_FIELDS:
            errors[name] = [_("This field cannot be rectified.")]
        elif name == "birth_date" and isinstance(value, dt.date):
            continue
        elif not isinstance(value, str):
            errors[name] = [str(TYPE_MESSAGES[str])]
        elif has_control_chars(value.replace("\r", " ").replace("\n", " ").replace("\t", " ")):
            # Before the form, whose NUL check would say it in other words.
            errors[name] = [_("Remove the invisible control characters from this text.")]
    if errors:
        raise ValidationError(errors)
    # The form sees the application as it is, with the changes on top; only the changed
    # fields' answers count (a call edited since may no longer accept what was sent then).
    data = {name: _form_value(getattr(application, name)) for name in RECTIFIABLE_FIELDS}
    data |= {
        "segment": application.segment,
        "sector": application.sector,
        "digital_level": str(application.digital_level),
        "modality": application.modality,
        "schedules": list(application.schedules),
        "woman_led": _form_value(application.woman_led),
        "accessibility_needs": application.accessibility_needs,
    }
    data |= {name: _form_value(value) for name, value in changes.items()}
    form = ApplicationFields(data, call=application.call)
    form.is_valid()
    checked = set(changes) | ({"dni_check"} if "dni" in changes else set())
    for name in sorted(checked):
        if name in form.errors:
            errors[name] = [str(m) for m in form.errors[name]]
    if errors:
        raise ValidationError(errors)
    cleaned = {name: form.cleaned_data[name] for name in checked}
    names = [
        cleaned.get(name, getattr(application, name))
        for name in ("given_names", "paternal_surname", "maternal_surname")
    ]
    full = len(" ".join(n for n in names if n))
    if NAME_FIELDS & set(changes) and full > FULL_NAME_MAX_LENGTH:
        # The certificate prints the full name: it must fit there whole.
        raise ValidationError(
            {
                sorted(NAME_FIELDS & set(changes))[0]: [
                    _(
                        "The full name (given names and surnames) has at most %(max)d "
                        "characters; with this change it would have %(n)d."
                    )
                    % {"max": FULL_NAME_MAX_LENGTH, "n": full}
                ]
            }
        )
    # A new DNI is checked with the check character on file (or the one given with it).
    return cleaned


def application_rectify(
    *, application: Application, changes: dict[str, object], reason: str, actor: Actor
) -> Application:
    """Correct an application's identity or contact data (a misspelt name, a wrong DNI).

    ``changes`` maps field names (``RECTIFIABLE_FIELDS``) to new values, checked by the same
    rules as the application form: a DNI of 8 digits with its check character, a Peruvian
    mobile, an email, names of letters without control characters... Raises
    ``ValidationError`` with a translated message per field (and under "reason" when no
    reason is given). Audited with old → new (DNI, birth date, email, phone, RUC as keyed
    fingerprints); after the commit ``signals.application_rectified`` is sent with the
    changed fields, so that the apps above can follow (certificates re-issues a
    certificate whose name changed). Values equal to the current ones change nothing.
    """
    reason_errors: list[str] = []
    if not isinstance(reason, str) or not reason.strip():
        reason_errors.append(_("Say why the data is rectified."))
    else:
        try:
            reason = clean_text(reason, max_length=REASON_MAX_LENGTH)
        except ValidationError as e:
            reason_errors.extend(str(m) for m in e.messages)
    if not isinstance(changes, dict) or not changes:
        raise ValidationError({"__all__": [_("Nothing to rectify: give at least one field.")]})
    try:
        cleaned = _rectified_values(application, changes)
    except ValidationError as e:
        if reason_errors:
            e.error_dict["reason"] = [ValidationError(m) for m in reason_errors]
        raise
    if reason_errors:
        raise ValidationError({"reason": reason_errors})
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        old_full_name = app.full_name
        diff: dict[str, list[object]] = {}
        for name, value in cleaned.items():
            old = getattr(app, name)
            if old != value:
                diff[name] = [old, value]
                setattr(app, name, value)
        if not diff:
            return app
        taken = ValidationError(
            {"dni": [_("Another application to this call already has this DNI.")]}
        )
        if "dni" in diff and (
            Application.objects.filter(call=app.call, dni=app.dni).exclude(pk=app.pk).exists()
        ):
            raise taken
        try:
            with transaction.atomic():
                app.save(update_fields=sorted(diff))
        except IntegrityError:  # the DNI taken by an application saved meanwhile
            raise taken from None
        fields = frozenset(diff) | (
            {"full_name"} if app.full_name != old_full_name else frozenset()
        )
        audit_record(
            actor=actor,
            action="application.rectify",
            obj=app,
            changes={
                **{
                    name: (
                        [audit_fingerprint(old), audit_fingerprint(new)]
                        if name in FINGERPRINTED_FIELDS
                        else [_form_value(old), _form_value(new)]
                    )
                    for name, (old, new) in diff.items()
                },
                "reason": reason,
            },
        )
        transaction.on_commit(
            partial(application_rectified.send, sender=Application, application=app, fields=fields)
        )
    return app
