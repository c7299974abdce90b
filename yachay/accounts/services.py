from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlencode,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from yachay.accounts import tasks
from yachay.accounts.models import ApiKey, Role, User
from yachay.core.actors import Actor
from yachay.core.models import AuditEvent
from yachay.core.services import audit_record, email_send_once

KEY_PREFIX = "ych_"


def hash_key(raw: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough (no stretching needed).
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, user: User | None = None, actor: Actor) -> tuple[ApiKey, str]:
    """Create a key; return it with the raw secret, which is never stored."""
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=hash_key(raw), user=user, role=user.role if user else ""
    )
    audit_record(actor=actor, action="api_key.create", obj=key, changes={"name": name})
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Actor) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action="api_key.revoke", obj=key, changes={"active": [True, False]}
        )
    return key


def api_key_lookup(raw: str) -> ApiKey | None:
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    # A user's key works only while the user is active and holds the role the key was
    # issued for: deactivating a person, or taking their role away, ends their keys at once.
    # One query: the join costs nothing for partner keys (no user) and saves reading a
    # staff key's user on first use.
    return (
        ApiKey.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user__is_active=True, user__role=F("role")))
        .select_related("user")
        .first()
    )


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str = "",
    password: str | None = None,
    role: Role = Role.LEARNER,
    departments: list[str] | None = None,
    first_name: str = "",
    last_name: str = "",
    actor: Actor,
) -> User:
    """Create a user; staff roles may use the admin site."""
    user = User(
        username=username,
        email=email,
        first_name=first_name[:150],
        last_name=last_name[:150],
        role=role,
        departments=sorted(set(departments or [])),
        is_staff=role in (Role.ADMIN, Role.COORDINATOR),
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, changes={"role": role})
    return user


class LoginTokenGenerator(PasswordResetTokenGenerator):
    """One-time sign-in links: the hash covers last_login, so a link stops working once used."""

    key_salt = "yachay.accounts.login_link"


login_tokens = LoginTokenGenerator()


def safe_next(value: object) -> str:
    """``value`` if it is a path on this site ("/asistencia/5/?c=123456"), else "": where to go
    after signing in, carried through an emailed link, so never another host or scheme."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 500:
        return ""
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts=None) else ""


def login_link(user: User, next_url: str = "") -> str:
    """The one-time link; with ``next_url`` (checked by :func:`safe_next`) it leads there once
    the learner has signed in."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    site = settings.YACHAY_SITE_URL.rstrip("/")
    link = f"{site}/entrar/{uid}/{login_tokens.make_token(user)}/"
    next_url = safe_next(next_url)
    return f"{link}?{urlencode({'next': next_url})}" if next_url else link


def login_link_send(*, user_id: int, key: str, next_url: str = "") -> bool:
    """Email a learner a one-time sign-in link (valid PASSWORD_RESET_TIMEOUT seconds), once
    per ``key`` (one request: :func:`login_link_queue`); True if sent now."""
    user = User.objects.get(pk=user_id)
    if not user.email or not user.is_active:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "link": login_link(user, next_url)}
        subject = render_to_string("accounts/email/login_link_subject.txt", context).strip()
        body = render_to_string("accounts/email/login_link.txt", context)
    message = EmailMessage(subject, body, to=[user.email])
    return email_send_once(key=f"login-link:{key}", message=message)


def login_link_queue(*, user_id: int, next_url: str = "") -> None:
    """Send a learner a sign-in link in the background, once the current transaction commits
    (other apps call this: accounts sends its own mail)."""
    key = uuid.uuid4().hex  # this request: a retried task finds it sent
    next_url = safe_next(next_url)
    transaction.on_commit(
        lambda: tasks.send_login_link.enqueue(user_id=user_id, key=key, next_url=next_url)
    )


def login_link_request(*, email: str, next_url: str = "") -> int:
    """Queue a sign-in link for every active learner with this address; how many. The link
    leads to ``next_url`` after signing in, if it is a path on this site."""
    ids = list(
        User.objects.filter(role=Role.LEARNER, is_active=True, email__iexact=email).values_list(
            "pk", flat=True
        )
    )
    for user_id in ids:
        login_link_queue(user_id=user_id, next_url=next_url)
    return len(ids)


def user_from_login_link(uidb64: str, token: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not login_tokens.check_token(user, token):
        return None
    return user


# Sign-in lockouts (django-axes) ---------------------------------------------------------------


def signin_lockout_record(*, username: str | None, ip_address: str | None) -> AuditEvent:
    """The audit row of a lockout: which account (when one has that name) and which address;
    never the password, nor a name typed that belongs to nobody (it may be someone's email)."""
    user = User.objects.filter(username=username or "").first()
    event = AuditEvent(
        actor=None,
        actor_label="public",
        action="sign_in.locked_out",
        object_type=User._meta.label_lower,
        object_id=str(user.pk) if user else "",
        changes={"account_known": user is not None, "ip_address": ip_address or ""},
    )
    event.save(force_insert=True)
    return event


# Second factor (django-otp): TOTP apps and one-time recovery codes -------------------------------

RECOVERY_CODES = 10


def may_use_two_factor(user: User) -> bool:
    """Program admins and coordinators read personal data: they are the ones offered (and, with
    YACHAY_REQUIRE_2FA, made) to use a second factor."""
    return bool(user.is_active and (user.is_program_admin or user.role == Role.COORDINATOR))


def must_use_two_factor(user: User) -> bool:
    return bool(settings.YACHAY_REQUIRE_2FA) and may_use_two_factor(user)


def totp_device_of(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The device being set up (not confirmed yet): a fresh secret, or the one shown before, so
    reloading the page does not change the QR code under the person's phone."""
    device = totp_device_of(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=str(_("Authenticator app")), confirmed=False
        )
    return device


def _recovery_codes_make(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=str(_("Recovery codes")), confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def two_factor_wait(user: User) -> int:
    """Seconds before the next code may be tried: django-otp makes each try after a wrong one
    wait longer (1, 2, 4… s), and refuses even the right code meanwhile. 0: try now."""
    device = (
        TOTPDevice.objects.filter(user=user).order_by("confirmed").first()  # the one set up now
    )
    return _device_wait(device) if device is not None else 0


def _device_wait(device: Device) -> int:
    """Seconds django-otp makes this device wait before its next try (0: none)."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return 0
    until = (data or {}).get("locked_until")
    return max(int((until - timezone.now()).total_seconds()) + 1 if until else 1, 1)


@transaction.atomic
def totp_device_confirm(
    *, user: User, code: str, actor: Actor
) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the device being set up with a code from the app: the device and a new set of
    recovery codes (shown once), or None when the code is wrong or comes too soon after one."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_make(user)
    audit_record(
        actor=actor, action="two_factor.enrol", obj=user,
        changes={"recovery_codes": len(codes)},
    )  # fmt: skip
    return device, codes


class CodeCheck(NamedTuple):
    device: Device | None
    wait_seconds: int = 0
    recovery_code: bool = False


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.lower() if ch.isalnum())


@transaction.atomic
def two_factor_check(*, user: User, code: str, actor: Actor) -> CodeCheck:
    """Check a six-digit code from the app, or a recovery code (spent when it works).

    Each device counts its wrong codes in the database and makes the next try wait longer
    (1, 2, 4… seconds, django-otp), whichever worker answers; ``wait_seconds`` says how long.
    """
    code = normalise_code(code)
    is_totp = code.isdigit() and len(code) == 6
    model: type[Device] = TOTPDevice if is_totp else StaticDevice
    device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck(None)
    wait = _device_wait(device)
    if wait:
        return CodeCheck(None, wait_seconds=wait)
    if not device.verify_token(code):
        return CodeCheck(None)
    if not is_totp:
        audit_record(
            actor=actor, action="two_factor.recovery_code_used", obj=user,
            changes={"left": recovery_codes_left(user)},
        )  # fmt: skip
    return CodeCheck(device, recovery_code=not is_totp)


@transaction.atomic
def recovery_codes_renew(*, user: User, actor: Actor) -> list[str]:
    """A new set of recovery codes; the old ones stop working."""
    codes = _recovery_codes_make(user)
    audit_record(
        actor=actor, action="two_factor.recovery_codes_renew", obj=user,
        changes={"recovery_codes": len(codes)},
    )  # fmt: skip
    return codes


@transaction.atomic
def two_factor_reset(*, user: User, actor: Actor) -> int:
    """Remove a person's app and recovery codes (a lost phone): they set up a new app at their
    next sign-in. Returns how many devices were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    audit_record(actor=actor, action="two_factor.reset", obj=user, changes={"devices": removed})
    return removed
