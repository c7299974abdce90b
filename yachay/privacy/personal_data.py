"""The registry's declarations for the tables of Django and of the libraries we install (the
registry: yachay/core/personal_data.py), and for the privacy app's own.

Every installed model is declared, ours or not, so that a library that adds a table of
personal data (a new version of django-axes, a new app) fails the registry's test until
someone says what it holds.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

SIGN_IN_SECURITY = _(
    "to stop password guessing (django-axes): who tried to sign in, from where, and when"
)
SECOND_FACTOR = _("the second factor of a staff member's sign-in (django-otp)")
REPLAY = _(
    "to re-apply the cancellation after a restore from a backup made before it; a keyed hash "
    "cannot be read back into the DNI or email"
)


# django-axes and django-otp have no Spanish: our words for what the page shows.
AXES_LABELS = {
    "username": _("username typed"),
    "ip_address": _("IP address"),
    "user_agent": _("browser"),
    "http_accept": _("formats the browser accepts"),
    "attempt_time": _("time of the attempt"),
    "get_data": _("address parameters"),
    "post_data": _("form data"),
    "logout_time": _("time of signing out"),
    "session_hash": _("session hash"),
}
OTP_LABELS = {
    "key": _("secret key"),
    "name": _("device name"),
    "last_used_at": _("last used"),
    "token": _("recovery code"),
}


def _axes(
    label: str,
    name: object,
    extra_not_personal: str,
    extra: dict[str, Field] | None = None,
) -> None:
    declare(
        label,
        labels={"": name, **AXES_LABELS},  # type: ignore[dict-item]
        subject="user",
        purpose=SIGN_IN_SECURITY,
        delete_rows=True,
        personal={
            "username": Field(C.IDENTIFIER, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
            "ip_address": Field(C.TECHNICAL, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
            "user_agent": Field(C.TECHNICAL, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
            "http_accept": Field(C.TECHNICAL, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
            "attempt_time": Field(C.TECHNICAL, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
            **(extra or {}),
        },
        not_personal="id path_info " + extra_not_personal,
    )


_axes("axes.AccessFailureLog", _("failed sign-ins"), "locked_out")
_axes(
    "axes.AccessAttempt",
    _("sign-in attempts counted"),
    "failures_since_start",
    {
        # axes cleanses passwords from the form data it keeps; what remains is still the form.
        "get_data": Field(C.FREE_TEXT, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
        "post_data": Field(C.FREE_TEXT, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
    },
)
_axes(
    "axes.AccessLog",
    _("sign-ins"),
    "",
    {
        "logout_time": Field(C.TECHNICAL, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
        "session_hash": Field(C.TECHNICAL, SIGN_IN_SECURITY, R.SECURITY, X.ERASE),
    },
)
declare("axes.AccessAttemptExpiration", not_personal="access_attempt expires_at")

declare(
    "otp_totp.TOTPDevice",
    labels={"": _("authenticator apps"), **OTP_LABELS},
    subject="user",
    purpose=SECOND_FACTOR,
    delete_rows=True,
    personal={
        "key": Field(C.CREDENTIAL, SECOND_FACTOR, R.ACCOUNT, X.ERASE),
        "name": Field(C.TECHNICAL, SECOND_FACTOR, R.ACCOUNT, X.ERASE),
        "last_used_at": Field(C.TECHNICAL, SECOND_FACTOR, R.ACCOUNT, X.ERASE),
    },
    not_personal=(
        "id user confirmed created_at digits drift last_t step t0 throttling_failure_count "
        "throttling_failure_timestamp tolerance"
    ),
)
declare(
    "otp_static.StaticDevice",
    labels={"": _("recovery code sets"), **OTP_LABELS},
    subject="user",
    purpose=SECOND_FACTOR,
    delete_rows=True,
    personal={
        "name": Field(C.TECHNICAL, SECOND_FACTOR, R.ACCOUNT, X.ERASE),
        "last_used_at": Field(C.TECHNICAL, SECOND_FACTOR, R.ACCOUNT, X.ERASE),
    },
    not_personal=(
        "id user confirmed created_at throttling_failure_count throttling_failure_timestamp"
    ),
)
declare(
    "otp_static.StaticToken",
    labels={"": _("recovery codes"), **OTP_LABELS},
    subject="user",
    purpose=SECOND_FACTOR,
    delete_rows=True,
    personal={"token": Field(C.CREDENTIAL, SECOND_FACTOR, R.ACCOUNT, X.ERASE)},
    not_personal="id device",
)

declare(
    "sessions.Session",
    subject="user",
    purpose=_("to keep a person signed in"),
    delete_rows=True,
    personal={
        "session_data": Field(
            C.TECHNICAL, _("the signed-in account's id, and the language"), R.SECURITY, X.ERASE
        ),
    },
    not_personal="session_key expire_date",
)
declare(
    "admin.LogEntry",
    subject="user",
    purpose=_("the Django admin's record of changes made by staff"),
    personal={
        # The changed object's name: an application's reference, a user's username.
        "object_repr": Field(C.IDENTIFIER, _("names the object staff changed"), R.ACCOUNT, X.ERASE),
    },
    not_personal="id action_time user content_type object_id action_flag change_message",
)
declare("auth.Permission", not_personal="id name content_type codename")
declare("auth.Group", not_personal="id name permissions")
declare("contenttypes.ContentType", not_personal="id app_label model")
# Queued tasks take ids only (docs/development.md); a cancelled person's queued tasks are
# deleted by the cancellation (they would write to them).
declare(
    "django_tasks_database.DBTaskResult",
    not_personal=(
        "id status enqueued_at started_at finished_at args_kwargs priority task_path "
        "worker_ids queue_name backend_name run_after return_value exception_class_path "
        "traceback"
    ),
)

declare(
    "privacy.RetentionRule",
    not_personal="id call months updated_at",
)
declare(
    "privacy.Cancellation",
    subject="user",
    purpose=REPLAY,
    personal={
        "dni_hashes": Field(
            C.IDENTIFIER,
            REPLAY,
            R.SECURITY,
            X.KEEP,
            reason=_("without it, a restore would bring the cancelled person back"),
        ),
        "email_hashes": Field(
            C.IDENTIFIER,
            REPLAY,
            R.SECURITY,
            X.KEEP,
            reason=_("without it, a restore would bring the cancelled person back"),
        ),
    },
    not_personal="id created_at actor_label reason user_ids application_ids replayed_at",
)

ARCO = _("to answer the person's ARCO request (access, rectification, cancellation, opposition)")
ANSWERED = _(
    "the record that the request was answered, and how, which the controller must be able to "
    "show; it is the program's words, not the person's data"
)
declare(
    "privacy.Case",
    subject="applicant",
    purpose=ARCO,
    personal={
        "email": Field(C.CONTACT, ARCO, R.PROGRAM, X.ERASE),
        "note": Field(C.FREE_TEXT, ARCO, R.PROGRAM, X.ERASE),
        "details": Field(C.FREE_TEXT, ARCO, R.PROGRAM, X.ERASE),
        "answer": Field(C.FREE_TEXT, ARCO, R.PROGRAM, X.KEEP, reason=ANSWERED),
    },
    not_personal=(
        "id code reference kind status route user application language submission_key "
        "confirm_nonce created_at confirmed_at due_on handled_by answered_at"
    ),
)
