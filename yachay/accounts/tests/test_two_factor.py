"""A second factor for the people who read personal data: program admins and coordinators set
up an authenticator app (QR code or key, a code to confirm, recovery codes shown once) and type
its code after their password; with YACHAY_REQUIRE_2FA no staff page (nor the admin, nor the
API through the session) opens before. Learners and instructors are not asked."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from yachay.accounts import services
from yachay.accounts.models import User
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent

PASSWORD = "x-Secret-9"


@pytest.fixture(autouse=True)
def _required(settings: Any) -> None:
    settings.YACHAY_REQUIRE_2FA = True
    settings.YACHAY_RATELIMIT_2FA = "0"


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the person's app shows (``steps_ahead`` 30-second steps later: a code is taken
    once, so a second sign-in in the same test uses the next one, within the tolerance)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def sign_in(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/personal/entrar/", data, follow=True)


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_device_start(user=user)
    done = services.totp_device_confirm(user=user, code=code_of(device), actor=SYSTEM)
    assert done is not None
    return done


def test_a_coordinator_sets_up_the_app_at_first_sign_in_and_sees_recovery_codes_once(
    client: Client, users: dict[str, User]
) -> None:
    r = sign_in(client, "carlos.coord")
    assert r.redirect_chain[-1][0] == "/personal/verificacion/?next=/personal/"
    body = r.content.decode()
    assert "Activa la verificación en dos pasos" in body
    assert '<svg role="img"' in body and "<title>" in body  # the QR code, named
    device = TOTPDevice.objects.get(user=users["coordinator"], confirmed=False)
    secret = re.search(r'<p class="secret" id="secret">([A-Z2-7 ]+)</p>', body)
    assert secret and secret.group(1).replace(" ", "") in device.config_url
    # A reload shows the same key: the phone already scanned it.
    assert secret.group(1) in client.get("/personal/verificacion/").content.decode()

    wrong = client.post("/personal/verificacion/", {"code": "000000", "next": "/personal/"})
    assert wrong.status_code == 200 and 'class="err"' in wrong.content.decode()
    assert "no coincide" in wrong.content.decode()

    device.refresh_from_db()
    device.throttle_reset()
    r = client.post(
        "/personal/verificacion/", {"code": code_of(device), "next": "/personal/"}, follow=True
    )
    body = r.content.decode()
    assert r.redirect_chain[-1][0] == "/personal/verificacion/codigos/?next=%2Fpersonal%2F"
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", body)
    assert len(codes) == 10 and "solo ahora" in body
    assert 'href="/personal/"' in body
    # Shown once.
    assert client.get("/personal/verificacion/codigos/")["Location"].startswith(
        "/personal/verificacion/"
    )
    assert client.get("/personal/").status_code == 200
    assert AuditEvent.objects.filter(
        action="two_factor.enrol", object_id=str(users["coordinator"].pk)
    ).exists()


def test_an_admin_with_the_app_types_its_code_after_the_password(
    client: Client, users: dict[str, User]
) -> None:
    device, _ = enrolled(users["admin"])
    r = sign_in(client, "ana.admin", next_url="/cohortes/")
    assert r.redirect_chain[-1][0] == "/personal/verificacion/?next=/cohortes/"
    body = r.content.decode()
    assert "Verificación en dos pasos" in body and 'autocomplete="one-time-code"' in body
    assert client.get("/personal/").status_code == 302  # still nothing else
    r = client.post(
        "/personal/verificacion/", {"code": code_of(device, steps_ahead=1), "next": "/cohortes/"}
    )
    assert r.status_code == 302 and r["Location"] == "/cohortes/"
    assert client.get("/personal/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once(client: Client, users: dict[str, User]) -> None:
    _, codes = enrolled(users["admin"])
    sign_in(client, "ana.admin")
    r = client.post("/personal/verificacion/", {"code": codes[0].upper()}, follow=True)
    assert r.redirect_chain[0] == ("/personal/", 302)
    assert "Usaste un código de recuperación; quedan 9." in r.content.decode()
    assert AuditEvent.objects.filter(action="two_factor.recovery_code_used").count() == 1
    client.post("/salir/")
    sign_in(client, "ana.admin")
    again = client.post("/personal/verificacion/", {"code": codes[0]})
    assert again.status_code == 200 and 'class="err"' in again.content.decode()
    assert client.get("/personal/").status_code == 302


def test_wrong_codes_make_the_next_try_wait(client: Client, users: dict[str, User]) -> None:
    device, _ = enrolled(users["admin"])
    sign_in(client, "ana.admin")
    client.post("/personal/verificacion/", {"code": "123456"})
    r = client.post("/personal/verificacion/", {"code": code_of(device, steps_ahead=1)})
    assert r.status_code == 200 and "Espera" in r.content.decode()
    assert client.get("/personal/").status_code == 302


def test_without_the_code_a_coordinator_reaches_no_staff_page_nor_the_admin_nor_the_api(
    client: Client, users: dict[str, User]
) -> None:
    client.force_login(users["coordinator"])
    for path in ["/personal/", "/cohortes/", "/admin/", "/mi-cuenta/"]:
        r = client.get(path)
        assert r.status_code == 302, path
        assert r["Location"].startswith("/personal/verificacion/?next="), path
    assert client.get("/api/v1/cohorts").status_code == 401
    # Signing out still works.
    assert client.post("/salir/").status_code == 302


def test_the_admin_sign_in_leads_to_the_code_too(client: Client, users: dict[str, User]) -> None:
    enrolled(users["admin"])
    r = client.post(
        "/admin/login/?next=/admin/",
        {"username": "ana.admin", "password": PASSWORD, "next": "/admin/"},
        follow=True,
    )
    assert r.redirect_chain[-1][0] == "/personal/verificacion/?next=/admin/"


def test_learners_and_instructors_are_not_asked(client: Client, users: dict[str, User]) -> None:
    client.force_login(users["learner"])
    assert client.get("/mi-cuenta/").status_code == 200
    assert client.get("/personal/verificacion/")["Location"] == "/personal/"
    client.force_login(users["instructor"])
    assert client.get("/personal/").status_code == 200


def test_when_not_required_only_those_who_set_it_up_are_asked(
    client: Client, users: dict[str, User], settings: Any
) -> None:
    settings.YACHAY_REQUIRE_2FA = False
    client.force_login(users["coordinator"])
    assert client.get("/personal/").status_code == 200
    assert 'href="/personal/verificacion/"' in client.get("/mi-cuenta/").content.decode()
    client.post("/salir/")
    enrolled(users["admin"])
    sign_in(client, "ana.admin")
    assert client.get("/personal/")["Location"].startswith("/personal/verificacion/")


def test_an_admin_reset_makes_the_person_set_up_the_app_again(
    client: Client, users: dict[str, User]
) -> None:
    enrolled(users["coordinator"])
    services.two_factor_reset(user=users["coordinator"], actor=SYSTEM)
    assert not TOTPDevice.objects.filter(user=users["coordinator"]).exists()
    body = sign_in(client, "carlos.coord").content.decode()
    assert "Activa la verificación en dos pasos" in body
    assert AuditEvent.objects.filter(action="two_factor.reset").exists()


def test_new_recovery_codes_replace_the_old_ones(client: Client, users: dict[str, User]) -> None:
    device, old = enrolled(users["admin"])
    sign_in(client, "ana.admin")
    client.post("/personal/verificacion/", {"code": code_of(device, steps_ahead=1)})
    status = client.get("/personal/verificacion/").content.decode()
    assert "Te quedan 10 códigos de recuperación." in status
    r = client.post("/personal/verificacion/codigos/", follow=True)
    new = re.findall(r"<li>([a-z2-7]{8})</li>", r.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/salir/")
    sign_in(client, "ana.admin")
    assert client.post("/personal/verificacion/", {"code": new[1]}).status_code == 302
    client.post("/salir/")
    sign_in(client, "ana.admin")
    assert client.post("/personal/verificacion/", {"code": old[1]}).status_code == 200


def test_the_admin_resets_a_lost_phone_after_a_review_page(
    client: Client, users: dict[str, User], settings: Any
) -> None:
    settings.YACHAY_REQUIRE_2FA = False  # the admin here signs in without a code
    enrolled(users["coordinator"])
    client.force_login(users["admin"])
    data = {"action": "reset_two_factor", "_selected_action": [users["coordinator"].pk]}
    review = client.post("/admin/accounts/user/", data)
    body = review.content.decode()
    assert review.status_code == 200 and "carlos.coord" in body and 'name="confirm"' in body
    assert "Sí, restablecer la verificación en dos pasos" in body
    assert TOTPDevice.objects.filter(user=users["coordinator"]).exists()
    done = client.post("/admin/accounts/user/", {**data, "confirm": "yes"}, follow=True)
    assert done.status_code == 200
    assert not TOTPDevice.objects.filter(user=users["coordinator"]).exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert event.actor == users["admin"] and event.object_id == str(users["coordinator"].pk)


def test_a_right_code_too_soon_after_a_wrong_one_is_told_to_wait(
    client: Client, users: dict[str, User], settings: Any
) -> None:
    settings.YACHAY_REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 30  # the first wait: 30 s, not 1 (a slow machine)
    user = users["coordinator"]
    client.post("/personal/entrar/", {"username": user.username, "password": PASSWORD})
    client.get("/personal/verificacion/")  # the enrolment page makes the device
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/personal/verificacion/", {"code": "000000"}).content.decode()
    assert "Ese código no coincide" in wrong
    right_too_soon = client.post("/personal/verificacion/", {"code": code_of(device)})
    assert re.search(r"Espera (29|30) segundos", right_too_soon.content.decode())
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
