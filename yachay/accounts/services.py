from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlencode,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)

from yachay.accounts import tasks
from yachay.accounts.models import ApiKey, Role, User
from yachay.core.actors import Actor
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
    key = ApiKey.objects.create(name=name, prefix=prefix, key_hash=hash_key(raw), user=user)
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
    # No join to the user: most keys belong to partner systems (no user), and
    # ``key.user`` of a staff key is read on first use.
    return ApiKey.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True).first()


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
