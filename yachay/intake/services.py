from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from yachay.core.actors import Actor
from yachay.core.queue import enqueue_with_transaction
from yachay.core.services import audit_record, email_send_once
from yachay.intake import tasks
from yachay.intake.models import Application
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
    for attempt in range(5):
        app = Application(
            call=call,
            reference=new_reference(),
            source=source,
            api_key=actor.api_key,
            submission_key=submission_key,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            department=str(fields["ubigeo"])[:2],
            consent_at=timezone.now(),
            consent_ip=consent_ip,
            **fields,
        )
        try:
            with transaction.atomic():
                app.save(force_insert=True)
                audit_record(
                    actor=actor,
                    action="application.submit",
                    obj=app,
                    changes={"status": [None, app.status], "reference": app.reference},
                )
                # The email goes through the task queue: none of the rendering and SMTP
                # work in the request (it was a sixth of the API's CPU per application);
                # its task row is written in this transaction (one commit, not two).
                enqueue_with_transaction(tasks.send_confirmation, application_id=app.pk)
        except IntegrityError:
            existing = Application.objects.filter(call=call, dni=fields["dni"]).first()
            if existing is None and submission_key is not None:
                existing = Application.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                raise DuplicateApplication(existing) from None
            if attempt == 4:
                raise
            continue  # a reference collision (1 in ~700 million): draw again
        return app
    raise AssertionError("unreachable")


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
