"""Wrong passwords are counted per account and per address in the database (django-axes):
past the limit, the staff sign-in and the admin's refuse even the right password for a while,
with a Spanish page that says how long, and an audit row."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from yachay.accounts.models import User
from yachay.core.models import AuditEvent

PASSWORD = "x-Secret-9"


@pytest.fixture(autouse=True)
def _small_limit(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.YACHAY_SIGNIN_ADDRESS_FAILURE_LIMIT = 6


def staff_sign_in(client: Client, username: str, password: str, **meta: Any) -> Any:
    return client.post("/personal/entrar/", {"username": username, "password": password}, **meta)


def admin_sign_in(client: Client, username: str, password: str, **meta: Any) -> Any:
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **meta
    )


def test_after_the_limit_the_right_password_is_refused_with_a_spanish_page(
    client: Client, users: dict[str, User]
) -> None:
    codes = [staff_sign_in(client, "ana.admin", "wrong").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = staff_sign_in(client, "ana.admin", PASSWORD)
    body = r.content.decode()
    assert r.status_code == 429 and "_auth_user_id" not in client.session
    assert "Entrada en pausa" in body and "Vuelve a intentarlo en 15 minutos." in body
    assert 'lang="es"' in body and 'href="/personal/contrasena/"' in body
    assert 0 < int(r["Retry-After"]) <= 15 * 60


def test_the_admin_sign_in_is_throttled_too(client: Client, users: dict[str, User]) -> None:
    for _ in range(3):
        admin_sign_in(client, "ana.admin", "wrong")
    r = admin_sign_in(client, "ana.admin", PASSWORD)
    assert r.status_code == 429 and "Entrada en pausa" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_account_is_locked_whatever_address_tries_it(
    client: Client, users: dict[str, User]
) -> None:
    for n in range(3):
        staff_sign_in(client, "ana.admin", "wrong", REMOTE_ADDR=f"10.0.0.{n + 1}")
    r = staff_sign_in(client, "ana.admin", PASSWORD, REMOTE_ADDR="10.0.0.99")
    assert r.status_code == 429
    # Another account from a fresh address is not affected.
    other = staff_sign_in(client, "carlos.coord", PASSWORD, REMOTE_ADDR="10.0.0.98")
    assert other.status_code == 302


def test_an_address_is_locked_whatever_account_it_tries(
    client: Client, users: dict[str, User]
) -> None:
    # A password sprayed over accounts from one place: the address limit (6), not the
    # account's (3), since no account failed more than twice.
    for name in ["a", "b", "c", "a", "b", "c"]:
        staff_sign_in(client, name, "wrong", REMOTE_ADDR="10.9.9.9")
    same = staff_sign_in(client, "carlos.coord", PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert same.status_code == 429
    other = staff_sign_in(client, "carlos.coord", PASSWORD, REMOTE_ADDR="10.9.9.8")
    assert other.status_code == 302


def test_one_person_locked_out_does_not_lock_out_colleagues_at_the_same_office(
    client: Client, users: dict[str, User]
) -> None:
    office = {"REMOTE_ADDR": "10.7.7.7"}
    for _ in range(3):
        staff_sign_in(client, "ana.admin", "wrong", **office)
    assert staff_sign_in(client, "ana.admin", PASSWORD, **office).status_code == 429
    assert staff_sign_in(client, "carlos.coord", PASSWORD, **office).status_code == 302


def test_a_lockout_writes_one_audit_row_without_the_password(
    client: Client, users: dict[str, User]
) -> None:
    for _ in range(6):
        staff_sign_in(client, "ana.admin", "wrong-secret-typed")
    events = list(AuditEvent.objects.filter(action="sign_in.locked_out"))
    assert len(events) == 1
    event = events[0]
    assert event.object_id == str(users["admin"].pk) and event.actor is None
    assert event.changes == {"account_known": True, "ip_address": "127.0.0.1"}
    assert "wrong-secret-typed" not in str(AccessAttempt.objects.values_list("post_data"))


def test_a_name_that_is_nobodys_is_not_written_in_the_audit(client: Client, db: None) -> None:
    for _ in range(3):
        staff_sign_in(client, "someone@example.pe", "wrong")
    event = AuditEvent.objects.get(action="sign_in.locked_out")
    assert event.object_id == "" and "someone" not in str(event.changes)


def test_the_lock_lifts_after_the_cool_off(client: Client, users: dict[str, User]) -> None:
    import datetime as dt

    for _ in range(3):
        staff_sign_in(client, "ana.admin", "wrong")
    AccessAttempt.objects.update(attempt_time=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert staff_sign_in(client, "ana.admin", PASSWORD).status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(
    client: Client, users: dict[str, User]
) -> None:
    for _ in range(2):
        staff_sign_in(client, "ana.admin", "wrong")
    assert staff_sign_in(client, "ana.admin", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert staff_sign_in(client, "ana.admin", "wrong").status_code == 200


def test_the_address_comes_from_our_trusted_proxy_setting(
    client: Client, users: dict[str, User], settings: Any
) -> None:
    settings.YACHAY_TRUSTED_PROXIES = 1
    for _ in range(3):
        staff_sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()
    ok = staff_sign_in(client, "ana.admin", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert ok.status_code == 302
