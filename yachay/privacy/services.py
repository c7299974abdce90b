"""Every write of the privacy app: a person's access export and cancellation (the A and C of
ARCO, called by the request cases), the retention rule's shredding, and the replay of
cancellations after a restore.

What each field is, and what cancelling or shredding does to it, is the registry's
(``yachay/core/personal_data.py`` and each app's ``personal_data.py``); this module applies
it to the rows :mod:`yachay.privacy.person` finds.

The ARCO requests (cases) come last: a person's request from the site is opened,
confirmed by the person, handled by a program admin and answered, all audited (see the
section's own docstring and docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult

from yachay.accounts.models import ApiKey, User
from yachay.accounts.services import api_key_revoke
from yachay.core.actors import Actor
from yachay.core.models import AuditEvent, Objection
from yachay.core.personal_data import Declaration, OnCancel, registry
from yachay.core.services import audit_event, audit_record, email_send_once, objection_record
from yachay.core.workdays import peru_add_business_days
from yachay.intake.models import Application
from yachay.intake.personal_data import ANONYMISED_PREFIX
from yachay.privacy import selectors, tasks
from yachay.privacy.models import Cancellation, Case, RetentionRule
from yachay.privacy.person import (
    Person,
    audit_events,
    person_from_application,
    person_from_email,
    person_from_ids,
    person_from_user,
    person_rows,
    rows_of,
)
from yachay.programs.models import Call

__all__ = [
    "CancelRefused",
    "CancelReport",
    "Person",
    "person_access_export",
    "person_access_html",
    "person_cancel",
    "person_cancel_plan",
    "person_from_application",
    "person_from_email",
    "person_from_user",
    "privacy_replay",
    "privacy_shred",
]

log = logging.getLogger(__name__)

#: Fields never shown in an export, not even to their owner: secrets and hashes of secrets.
SECRET_FIELDS = frozenset(
    {
        "accounts.User.password",
        "accounts.ApiKey.key_hash",
        "intake.Application.submission_key",
        "otp_totp.TOTPDevice.key",
        "otp_static.StaticToken.token",
        "sessions.Session.session_data",
        "sessions.Session.session_key",
        "cohorts.Session.checkin_secret",
    }
)


# -- access ----------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _row_export(declaration: Declaration, row: models.Model) -> dict[str, Any]:
    meta = row._meta
    fields: list[dict[str, Any]] = []
    for f in meta.concrete_fields:
        key = f"{declaration.label}.{f.name}"
        if key in SECRET_FIELDS:
            continue
        spec = declaration.personal.get(f.name)
        value = getattr(row, f.attname)
        item: dict[str, Any] = {
            "field": f.name,
            "label": declaration.field_name(f.name),
            "value": _json_value(value),
            "personal": spec is not None,
        }
        if spec is not None:
            item |= {
                "category": str(spec.category.label),
                "purpose": str(spec.purpose),
                "retention": str(spec.retention.label),
                "on_cancel": str(spec.on_cancel.label),
            }
            if spec.reason:
                item["kept_because"] = str(spec.reason)
        fields.append(item)
    return {"id": _json_value(row.pk), "fields": fields}


def person_access_export(*, person: Person, actor: Actor) -> dict[str, Any]:
    """Everything Yachay holds about ``person``, as JSON-able data, per the registry: for each
    table, its purpose and each row's fields (personal ones with their category, purpose,
    retention and what a cancellation does). Secrets (password hashes, keys) are left out.
    Audited (``privacy.access_export``)."""
    tables: list[dict[str, Any]] = []
    for label, rows in person_rows(person).items():
        declaration = registry()[label]
        if label == "core.AuditEvent":
            continue  # listed below, as history
        items = [_row_export(declaration, row) for row in rows.order_by("pk")]
        if not items:
            continue
        tables.append(
            {
                "model": label,
                "name": declaration.name(),
                "purpose": str(declaration.purpose),
                "rows": items,
            }
        )
    history = [
        {
            "time": _json_value(e.created_at),
            "action": e.action,
            "object": f"{e.object_type}:{e.object_id}",
            "by": e.actor_label,
            "changes": e.changes,
        }
        for e in audit_events(person).order_by("created_at", "pk")
    ]
    export = {
        "format": "yachay-access-export/1",
        "generated_at": _json_value(timezone.now()),
        "person": {
            "accounts": sorted(person.user_ids),
            "applications": sorted(person.application_ids),
        },
        "tables": tables,
        "history": history,
        "shared_records": _shared_records(),
    }
    subject: models.Model | None = person.users().order_by("pk").first()
    if subject is None:
        subject = person.applications().order_by("pk").first()
    if subject is not None:
        audit_record(
            actor=actor,
            action="privacy.access_export",
            obj=subject,
            changes={"tables": len(tables), "applications": len(person.application_ids)},
        )
    return export


def _shared_records() -> list[dict[str, str]]:
    from yachay.privacy.person import NOT_PER_PERSON

    return [
        {"model": label, "why": reason}
        for label, reason in NOT_PER_PERSON.items()
        if label in registry()
    ]


def person_access_html(export: dict[str, Any]) -> str:
    """The export as a readable page (for the person; printable to PDF by their browser)."""
    from django.template.loader import render_to_string

    return render_to_string("privacy/person_export.html", {"export": export})


# -- cancellation ----------------------------------------------------------------------------


class CancelRefused(Exception):
    """A cancellation that cannot be done; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Kept:
    what: str
    why: str


@dataclass
class CancelReport:
    """What a cancellation did (or, from :func:`person_cancel_plan`, will do)."""

    done: list[str] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    cancellation_id: str = ""


def _hash(kind: str, value: str) -> str:
    secret = getattr(settings, "YACHAY_PRIVACY_HASH_KEY", "") or settings.SECRET_KEY
    return salted_hmac(f"yachay.privacy.{kind}", value.strip().lower(), secret=secret).hexdigest()


def _check(person: Person) -> None:
    if person.empty:
        raise CancelRefused(_("Yachay holds no data about this person."))
    if person.is_staff_member:
        raise CancelRefused(
            _(
                "This is a staff account (program admin, coordinator or instructor): a program "
                "admin closes it from the accounts, so that its work stays attributed."
            )
        )


def person_cancel_plan(person: Person) -> CancelReport:
    """What :func:`person_cancel` would do and keep, without changing anything: for the review
    page before a cancellation is confirmed."""
    from yachay.certificates.models import Certificate
    from yachay.cohorts.models import Enrollment
    from yachay.selection.models import Offer

    _check(person)
    plan = CancelReport()
    pending = Offer.objects.filter(
        decision__application_id__in=person.application_ids, state=Offer.State.PENDING
    ).count()
    if pending:
        plan.done.append(
            _(
                "The pending offer is declined, so that its seat goes to the next person on "
                "the waiting list."
            )
        )
    active = Enrollment.objects.filter(
        user_id__in=person.user_ids,
        status__in=[Enrollment.Status.WAITING, Enrollment.Status.ACTIVE],
    ).count()
    if active:
        plan.done.append(_("The place in the cohort is given up."))
    plan.done += [
        _(
            "Names, DNI, email, phone, address, business data and free-text answers are erased or "
            "anonymised."
        ),
        _("The account can no longer sign in; its sessions and API keys end."),
        _("Messages waiting to be sent are stopped."),
    ]
    certificates = Certificate.objects.filter(user_id__in=person.user_ids).count()
    if certificates:
        plan.kept.append(
            Kept(
                what=_("The certificate: name, code, track, hours and dates."),
                why=_(
                    "It is in the person's and third parties' hands and anyone may verify it by "
                    "its code; erasing it would make a true certificate look forged. The person "
                    "may ask for it to be revoked."
                ),
            )
        )
    plan.kept.append(
        Kept(
            what=_(
                "Without name or contact: department, gender, age band, segment, modality, the "
                "stages reached, attendance and quiz results."
            ),
            why=_(
                "The program's published figures count them; without the rest they identify nobody."
            ),
        )
    )
    plan.kept.append(
        Kept(
            what=_("The audit history (what happened and when, by ids)."),
            why=_("It holds no personal data and shows that the cancellation was done."),
        )
    )
    return plan


def anonymise_rows(declaration: Declaration, rows: list[models.Model]) -> None:
    """Write the registry's erase/anonymise replacements of ``rows`` (one model's): the values
    that are the same for every row in one UPDATE, those computed per row (``to=`` a function)
    with ``bulk_update`` in batches of 500 (its CASE grows with the batch)."""
    if not rows:
        return
    manager = declaration.model._default_manager
    constant: dict[str, Any] = {}
    per_row: list[str] = []
    for name, spec in declaration.personal.items():
        if spec.on_cancel == OnCancel.KEEP:
            continue
        if callable(spec.to):
            per_row.append(name)
        else:
            constant[name] = declaration.replacement(name, rows[0])
    if not per_row:
        if constant:
            manager.filter(pk__in=[r.pk for r in rows]).update(**constant)
        return
    values = [(row.pk, [declaration.replacement(name, row) for name in per_row]) for row in rows]
    for start in range(0, len(values), 1000):
        _bulk_set(declaration.model, per_row, values[start : start + 1000], constant)


def _bulk_set(
    model: type[models.Model],
    names: list[str],
    rows: list[tuple[Any, list[Any]]],
    constant: dict[str, Any] | None = None,
) -> None:
    """``UPDATE table SET a = v.a, ..., c = %s FROM (VALUES (pk, a, ...), ...) v WHERE pk =
    v.pk``: one statement for many rows with a value each (``names``), and the values they
    all take (``constant``). Django's ``bulk_update`` builds a CASE expression per row and
    field, which costs seconds of Python per thousand rows; this is the statement PostgreSQL
    and SQLite (3.33+) run directly, and each row is written once."""
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [cast("models.Field[Any, Any]", meta.get_field(n)) for n in names]
    pk_field = cast("models.Field[Any, Any]", meta.pk)
    table, pk = qn(meta.db_table), qn(pk_field.column)
    if connection.vendor == "postgresql":  # VALUES parameters are text until cast
        # The type a foreign key to the pk would have ("bigint", not "bigserial").
        pk_type = pk_field.rel_db_type(connection)  # type: ignore[attr-defined]  # not in the stubs
        casts = [pk_type] + [f.db_type(connection) for f in fields]
        one = "(" + ", ".join(f"CAST(%s AS {t})" for t in casts) + ")"
    else:
        one = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    if connection.vendor == "sqlite":  # SQLite names a VALUES list's columns column1, column2...
        columns = [f"column{i + 1}" for i in range(len(fields) + 1)]
        alias = "v"
    else:
        columns = [pk] + [qn(f.column) for f in fields]
        alias = "v(" + ", ".join(columns) + ")"
    sets = ", ".join(
        f"{qn(f.column)} = v.{col}" for f, col in zip(fields, columns[1:], strict=True)
    )
    fixed = [cast("models.Field[Any, Any]", meta.get_field(n)) for n in constant or {}]
    if fixed:
        sets += ", " + ", ".join(f"{qn(f.column)} = %s" for f in fixed)
    # Identifiers come from the model's metadata, quoted; every value is a parameter.
    values_list = ", ".join([one] * len(rows))
    sql = f"UPDATE {table} SET {sets} FROM (VALUES {values_list}) AS {alias} WHERE {table}.{pk} = v.{columns[0]}"  # noqa: E501, S608
    params: list[Any] = [
        f.get_db_prep_save(v, connection)
        for f, v in zip(fixed, (constant or {}).values(), strict=True)
    ]
    for key, values in rows:
        params.append(key)
        params += [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _anonymise(declaration: Declaration, rows: QuerySet[models.Model]) -> int:
    """Apply the registry's erase/anonymise actions to ``rows``; the number of rows changed."""
    if all(f.on_cancel == OnCancel.KEEP for f in declaration.personal.values()):
        return 0
    changed = list(rows)
    anonymise_rows(declaration, changed)
    return len(changed)


def _stop_pending_tasks(person: Person) -> int:
    """Delete the queued tasks about the person (emails, sign-in links) that have not run;
    tasks take ids only, so their arguments say whom they are about."""
    from yachay.cohorts.models import Enrollment
    from yachay.selection.models import Offer

    wanted = {
        "user_id": set(person.user_ids),
        "application_id": set(person.application_ids),
        "enrollment_id": set(
            Enrollment.objects.filter(user_id__in=person.user_ids).values_list("pk", flat=True)
        ),
        "offer_id": set(
            Offer.objects.filter(decision__application_id__in=person.application_ids).values_list(
                "pk", flat=True
            )
        ),
    }
    doomed = []
    ready = DBTaskResult.objects.filter(status="READY").values_list("pk", "args_kwargs")
    for pk, args_kwargs in ready.iterator(2000):
        kwargs = (args_kwargs or {}).get("kwargs") or {}
        if any(kwargs.get(k) in ids for k, ids in wanted.items()):
            doomed.append(pk)
    DBTaskResult.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def _release(person: Person, actor: Actor, report: CancelReport) -> None:
    """Give back what the person holds (an offer, a seat), through their apps' services."""
    from yachay.cohorts.models import Enrollment
    from yachay.cohorts.services import enrollment_drop
    from yachay.selection.models import Offer
    from yachay.selection.services import offer_decline

    for offer in Offer.objects.filter(
        decision__application_id__in=person.application_ids, state=Offer.State.PENDING
    ).select_related("decision__application"):
        if offer.expires_at > timezone.now():
            offer_decline(offer=offer, actor=actor)
            report.counts["offers_declined"] = report.counts.get("offers_declined", 0) + 1
    for enrollment in Enrollment.objects.filter(
        user_id__in=person.user_ids,
        status__in=[Enrollment.Status.WAITING, Enrollment.Status.ACTIVE],
    ):
        if enrollment_drop(enrollment=enrollment, actor=actor):
            report.counts["enrollments_dropped"] = report.counts.get("enrollments_dropped", 0) + 1
    for key in ApiKey.objects.filter(user_id__in=person.user_ids, revoked_at__isnull=True):
        api_key_revoke(key=key, actor=actor)
        report.counts["api_keys_revoked"] = report.counts.get("api_keys_revoked", 0) + 1


def _erase(person: Person, report: CancelReport) -> None:
    """The registry applied to every row of the person, in one pass over the declarations."""
    rows_by_label = person_rows(person)
    # Find every row before changing any: finders read emails and DNIs that are erased.
    found = {
        label: list(rows.values_list("pk", flat=True)) for label, rows in rows_by_label.items()
    }
    for label, pks in found.items():
        declaration = registry()[label]
        if not pks or not declaration.holds_personal_data:
            continue
        rows = declaration.model._default_manager.filter(pk__in=pks)
        if declaration.select_related:
            rows = rows.select_related(*declaration.select_related)
        if declaration.delete_rows:
            n, _by_model = rows.delete()
            report.counts[f"{label}:deleted"] = n
        else:
            n = _anonymise(declaration, rows)
            if n:
                report.counts[f"{label}:anonymised"] = n


def _log_file() -> Path:
    return Path(settings.YACHAY_PRIVACY_LOG)


def _log_line(entry: Cancellation) -> str:
    return json.dumps(
        {
            "id": str(entry.id),
            "created_at": entry.created_at.isoformat(),
            "actor_label": entry.actor_label,
            "reason": entry.reason,
            "user_ids": entry.user_ids,
            "application_ids": entry.application_ids,
            "dni_hashes": entry.dni_hashes,
            "email_hashes": entry.email_hashes,
        },
        sort_keys=True,
    )


def cancellation_log_sync() -> int:
    """Append to the log file every cancellation of the database it lacks; the number
    appended. Runs after each cancellation commits and daily (``shred_expired``), so that an
    append lost to a crash between the commit and the write is made up for."""
    path = _log_file()
    logged = {str(e.get("id")) for e in _log_entries(path)}
    missing = [e for e in Cancellation.objects.order_by("created_at") if str(e.id) not in logged]
    if not missing:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    torn = path.exists() and path.stat().st_size and not path.read_bytes().endswith(b"\n")
    with path.open("a", encoding="utf-8") as fh:
        if torn:  # a line cut short by a crash: ours start on a line of their own
            fh.write("\n")
        for entry in missing:
            fh.write(_log_line(entry) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return len(missing)


def _apply(person: Person, actor: Actor, report: CancelReport) -> None:
    _release(person, actor, report)
    report.counts["tasks_stopped"] = _stop_pending_tasks(person)
    _erase(person, report)


@transaction.atomic
def person_cancel(*, person: Person, actor: Actor, reason: str) -> CancelReport:
    """Cancel (the C of ARCO) everything Yachay holds about ``person``, per the registry.

    A pending offer is declined (its seat goes to the waiting list), a place in a cohort given
    up, API keys revoked, queued messages stopped, sessions ended; then every personal field is
    erased or anonymised, or kept where the registry says why (an issued certificate; the
    facts the published figures count). The cancellation is logged (ids and keyed hashes, no
    personal data) so that :func:`privacy_replay` can re-apply it after a restore.

    ``reason`` is staff's words (an ARCO case number), never the person's data. Raises
    :class:`CancelRefused` for a person with no data or a staff account.
    """
    if not isinstance(reason, str) or "\x00" in reason:
        raise CancelRefused(_("The reason is not valid text."))
    _check(person)
    plan = person_cancel_plan(person)
    report = CancelReport(kept=plan.kept)
    # Locks the person's rows: two cancellations of one person run one after the other.
    users = list(User.objects.select_for_update().filter(pk__in=person.user_ids).order_by("pk"))
    apps = list(
        Application.objects.select_for_update().filter(pk__in=person.application_ids).order_by("pk")
    )
    dni_hashes = sorted(
        {_hash("dni", a.dni) for a in apps if not a.dni.startswith(ANONYMISED_PREFIX)}
    )
    email_hashes = sorted(
        {_hash("email", e) for e in [u.email for u in users] + [a.email for a in apps] if e}
    )
    _apply(person, actor, report)
    report.done = plan.done
    entry = Cancellation.objects.create(
        created_at=timezone.now(),
        actor_label=actor.label,
        reason=reason.strip()[:200],
        user_ids=sorted(person.user_ids),
        application_ids=sorted(person.application_ids),
        dni_hashes=dni_hashes,
        email_hashes=email_hashes,
    )
    report.cancellation_id = str(entry.id)
    audit_record(
        actor=actor,
        action="privacy.cancel",
        obj=entry,
        changes={"users": len(users), "applications": len(apps), "counts": report.counts},
    )
    transaction.on_commit(cancellation_log_sync)
    return report


def sessions_of_cancelled_delete() -> int:
    """Delete the session rows of cancelled accounts; the number deleted. A cancellation has
    already ended them (the password hash changed); this removes the rows, which name the
    account inside their signed data: one pass over the live sessions, daily."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    cancelled = {
        str(pk)
        for pk in User.objects.filter(username__startswith="cancelled-").values_list(
            "pk", flat=True
        )
    }
    if not cancelled:
        return 0
    store = SessionStore()
    doomed = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator(2000):
        if str(store.decode(data).get("_auth_user_id", "")) in cancelled:
            doomed.append(key)
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


# -- replay after a restore ------------------------------------------------------------------


@dataclass
class ReplayReport:
    entries: int = 0
    reapplied: int = 0
    rows: int = 0


def _log_entries(path: Path | None) -> list[dict[str, Any]]:
    path = path or _log_file()
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                # A line cut short by a crash mid-write: the rest of the log still counts.
                log.warning("privacy log: line %d is not JSON; skipped", number)
    return out


@dataclass
class _HashIndex:
    """Keyed hashes of every live application's DNI and email and every account's email,
    computed once per replay (one pass over the tables, not one per log entry)."""

    apps: dict[str, list[tuple[int, dt.datetime]]] = field(default_factory=dict)
    users: dict[str, list[tuple[int, dt.datetime]]] = field(default_factory=dict)

    @classmethod
    def build(cls) -> _HashIndex:
        index = cls()
        live = Application.objects.exclude(dni__startswith=ANONYMISED_PREFIX)
        for pk, dni, email, created in live.values_list(
            "pk", "dni", "email", "created_at"
        ).iterator(5000):
            index.apps.setdefault(_hash("dni", dni), []).append((pk, created))
            if email:
                index.apps.setdefault(_hash("email", email), []).append((pk, created))
        accounts = User.objects.exclude(username__startswith="cancelled-")
        for pk, email, joined in accounts.values_list("pk", "email", "date_joined").iterator(5000):
            if email:
                index.users.setdefault(_hash("email", email), []).append((pk, joined))
        return index


def _still_there(entry: dict[str, Any], index: _HashIndex) -> Person:
    """The rows of a logged cancellation that a restore brought back: its ids, and any live
    application or account made before it whose DNI or email hashes to one it logged (rows
    made after it, a new application by the same person, are theirs to keep)."""
    user_ids = set(
        User.objects.filter(pk__in=entry.get("user_ids") or [])
        .exclude(username__startswith="cancelled-")
        .values_list("pk", flat=True)
    )
    app_ids = set(
        Application.objects.filter(pk__in=entry.get("application_ids") or [])
        .exclude(dni__startswith=ANONYMISED_PREFIX)
        .values_list("pk", flat=True)
    )
    cutoff = dt.datetime.fromisoformat(entry["created_at"])
    for h in entry.get("dni_hashes") or []:
        app_ids |= {pk for pk, made in index.apps.get(h, []) if made <= cutoff}
    for h in entry.get("email_hashes") or []:
        app_ids |= {pk for pk, made in index.apps.get(h, []) if made <= cutoff}
        user_ids |= {pk for pk, made in index.users.get(h, []) if made <= cutoff}
    return person_from_ids(user_ids=user_ids, application_ids=app_ids)


def privacy_replay(*, actor: Actor, path: Path | None = None) -> ReplayReport:
    """Re-apply every logged cancellation to a database restored from a backup: whatever the
    backup brought back of a cancelled person is cancelled again. Safe to run any number of
    times (a cancelled person's rows are found no more). The log file is read, not the
    restored table, which is as old as the backup."""
    report = ReplayReport()
    entries = _log_entries(path)
    index = _HashIndex.build() if entries else _HashIndex()
    for entry in entries:
        report.entries += 1
        with transaction.atomic():
            person = _still_there(entry, index)
            known = Cancellation.objects.filter(pk=entry["id"]).first()
            if known is None:
                known = Cancellation.objects.create(
                    id=entry["id"],
                    created_at=dt.datetime.fromisoformat(entry["created_at"]),
                    actor_label=entry.get("actor_label", ""),
                    reason=entry.get("reason", "")[:200],
                    user_ids=entry.get("user_ids") or [],
                    application_ids=entry.get("application_ids") or [],
                    dni_hashes=entry.get("dni_hashes") or [],
                    email_hashes=entry.get("email_hashes") or [],
                )
            if person.empty:
                continue
            counts = CancelReport()
            _apply(person, actor, counts)
            known.replayed_at = timezone.now()
            known.save(update_fields=["replayed_at"])
            audit_record(
                actor=actor, action="privacy.replay", obj=known, changes={"counts": counts.counts}
            )
            report.reapplied += 1
            report.rows += sum(counts.counts.values())
    return report


# -- retention: shredding --------------------------------------------------------------------

#: The statuses of applications whose people got no place: what the retention rule shreds.
NOT_PLACED = (
    Application.Status.SUBMITTED,
    Application.Status.INELIGIBLE,
    Application.Status.WAITLISTED,
    Application.Status.DECLINED,
    Application.Status.EXPIRED,
)


def retention_months(call: Call) -> int:
    rule = RetentionRule.objects.filter(call=call).first()
    return rule.months if rule else settings.YACHAY_RETENTION_MONTHS


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month, day=day)


def shred_due(*, now: dt.datetime | None = None) -> list[tuple[Call, dt.datetime]]:
    """The calls whose retention period is over, with the moment it ended."""
    now = now or timezone.now()
    out = []
    rules = dict(RetentionRule.objects.values_list("call_id", "months"))
    for call in Call.objects.filter(closes_at__lt=now).order_by("closes_at", "pk"):
        months = rules.get(call.pk, settings.YACHAY_RETENTION_MONTHS)
        ends = _add_months(call.closes_at, months)
        if ends <= now:
            out.append((call, ends))
    return out


def shred_queryset(call: Call) -> QuerySet[Application]:
    return Application.objects.filter(call=call, status__in=NOT_PLACED).exclude(
        dni__startswith=ANONYMISED_PREFIX
    )


@dataclass
class ShredReport:
    calls: dict[str, int] = field(default_factory=dict)  # call slug -> applications
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def privacy_shred(
    *,
    actor: Actor,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    batch_size: int = 2000,
    calls: Iterable[Call] | None = None,
) -> ShredReport:
    """Apply each call's retention rule: anonymise the applications of people who got no place,
    once the period after the call's closing is over, per the registry (the facts the figures
    count are kept). Works in batches, each its own transaction with its own audit row, so it
    is safe to interrupt and re-run: anonymised rows are not selected again."""
    report = ShredReport(dry_run=dry_run)
    declaration = registry()["intake.Application"]
    due = [(c, None) for c in calls] if calls is not None else shred_due(now=now)
    for call, _ends in due:
        pending = shred_queryset(call)
        if dry_run:
            n = pending.count()
            if n:
                report.calls[call.slug] = n
            continue
        done = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    pending.filter(pk__gt=last_pk)
                    .select_related("call")
                    # What the per-row replacements read: the row's own fields and its call.
                    .only("pk", "dni", "reference", "birth_date", "ubigeo", "call__closes_at")
                    .select_for_update(of=("self",), skip_locked=True)
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    break
                last_pk = batch[-1].pk
                anonymise_rows(declaration, batch)  # type: ignore[arg-type]  # Applications
                audit_record(
                    actor=actor,
                    action="privacy.shred",
                    obj=call,
                    changes={"applications": len(batch), "last_id": last_pk},
                )
                done += len(batch)
        if done:
            report.calls[call.slug] = done
    return report


def rows_for(person: Person, label: str) -> QuerySet[models.Model] | None:
    """One model's rows of a person (tests and the export's readers)."""
    return rows_of(person, registry()[label])


# -- ARCO requests (cases) ------------------------------------------------------------------
# ARCO requests (Ley 29733): open, confirm, handle and answer a person's request.
#
# A request from the site becomes a ``Case``. Whoever is not signed in proves who they are by a
# link sent to the email on file (signed, expiring, single use); a signed-in learner is
# already proven. Once confirmed:
#
# - access is answered at once: the person downloads what we hold (``person_access_export``);
# - opposition is answered at once: the objections are recorded in ``core.Objection``, which
#   every app reads through ``core.objections.objects_to``;
# - rectification and cancellation wait for a program admin, who approves (through
#   ``intake.services.application_rectify`` / ``person_cancel``) or rejects with a reason.
#
# Every change is audited (without personal data); every answer is emailed through
# ``core.services.email_send_once`` by ``privacy.tasks``.

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
        if existing is not None and (existing.kind, existing.email) == (kind, email):
            return existing
        if existing is not None:  # someone else's key: never a way to reach their case
            submission_key = None
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
        twin = Case.objects.get(submission_key=submission_key)  # a concurrent double submit
        if (twin.kind, twin.email) != (kind, email):
            raise
        return twin
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


def case_cancel_plan(case: Case) -> CancelReport:
    """What carrying out the case's cancellation would do and keep (``CaseRefused`` when it
    cannot be done: no data held, or a staff account)."""
    try:
        return person_cancel_plan(selectors.case_person(case))
    except CancelRefused as exc:
        raise CaseRefused(exc.message) from None


def case_cancel(*, case: Case, actor: Actor) -> Case:
    """Carry out an approved cancellation through ``person_cancel`` (the registry says what
    is erased, anonymised or kept, and why); the person is told what was kept and why."""
    if case.kind != Case.Kind.CANCELLATION:
        raise CaseRefused(_("Only a cancellation request can be carried out this way."))
    with transaction.atomic():
        case = _locked_open(case)
        address = case.email
        try:
            report = person_cancel(
                person=selectors.case_person(case),
                actor=actor,
                reason=f"privacy-case:{case.reference}",
            )
        except CancelRefused as exc:
            raise CaseRefused(exc.message) from None
        # The registry erased this case's address with the rest; the answer still goes to it,
        # and case_send_answer forgets it once sent.
        Case.objects.filter(pk=case.pk).update(email=address)
        case.email = address
        with translation.override(case.language):
            parts = [str(_("We deleted or anonymised your personal data and closed your account."))]
            if report.kept:
                parts.append(str(_("We keep only what the law or the program's record requires:")))
                parts += [f"{k.what} {k.why}" for k in report.kept]
            _answer(case, actor=actor, status=Case.Status.ANSWERED, text="\n".join(parts))
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


def cases_forget_unconfirmed(*, actor: Actor) -> int:
    """Delete the requests nobody confirmed once their link has expired (a day later): they
    proved nobody's identity, and they hold an address. One audit row per request."""
    hours = int(settings.YACHAY_ARCO_CONFIRM_HOURS) + 24
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    with transaction.atomic():
        stale = Case.objects.filter(status=Case.Status.RECEIVED, created_at__lt=cutoff)
        ids = list(stale.values_list("pk", flat=True)[:10_000])
        if not ids:
            return 0
        Case.objects.filter(pk__in=ids).delete()
        AuditEvent.objects.bulk_create(
            audit_event(
                actor=actor,
                action="privacy.case_forget_unconfirmed",
                obj=Case(pk=pk),
                changes={"status": [Case.Status.RECEIVED, "deleted"]},
            )
            for pk in ids
        )
    return len(ids)
