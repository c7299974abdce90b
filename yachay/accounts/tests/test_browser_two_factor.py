"""A program admin signs in as a person does, in a real browser, with two-step verification
required: the password, setting up the app from the page (the key read off the screen, the
code computed as the phone would), the recovery codes, then a later sign-in with a code; and
the page after too many wrong passwords. At 390 px and 1280 px, checked by axe-core."""

from __future__ import annotations

import re
import time
from base64 import b32decode
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_otp.oath import TOTP

from yachay.accounts.models import User
from yachay.cohorts.tests.test_browser_staff import shot, sign_in
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    OpenSession,
    browser,
    open_session,
    unlabelled_fields,
)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _required(settings: Any) -> None:
    settings.YACHAY_REQUIRE_2FA = True
    settings.YACHAY_RATELIMIT_2FA = "0"


def phone_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed from the page."""
    totp = TOTP(b32decode(secret.replace(" ", "")), 30, 0, 6, 0)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_an_admin_sets_up_two_step_verification_and_signs_in_with_a_code(
    open_session: OpenSession,  # noqa: F811
    users: dict[str, User],
) -> None:
    page = open_session(**PHONE).page
    page.goto("/personal/entrar/")
    sign_in(page, users["admin"].username)
    assert urlsplit(page.url).path == "/personal/verificacion/"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Activa la verificación en dos pasos"
    assert page.get_by_role("img", name="Código QR para tu aplicación").is_visible()
    assert unlabelled_fields(page) == []
    shot(page, "phone-two-factor-enrol")
    secret = page.locator("#secret").inner_text()

    page.get_by_label("Código de tu aplicación").fill("000000")
    page.get_by_role("button", name="Comprobar el código y activar").click()
    assert "no coincide" in page.locator(".err").inner_text()
    shot(page, "phone-two-factor-enrol-wrong-code")
    time.sleep(1.1)  # a wrong code makes the next one wait a second
    page.get_by_label("Código de tu aplicación").fill(phone_code(secret))
    page.get_by_role("button", name="Comprobar el código y activar").click()
    assert urlsplit(page.url).path == "/personal/verificacion/codigos/"
    codes = page.locator("ul.codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "phone-two-factor-recovery-codes")
    page.get_by_role("link", name="Ya los guardé, continuar").click()
    assert urlsplit(page.url).path == "/personal/"

    page.get_by_role("button", name="Cerrar sesión").first.click()
    desktop = open_session(**DESKTOP).page
    desktop.goto("/personal/entrar/?next=/admin/")
    sign_in(desktop, users["admin"].username)
    assert urlsplit(desktop.url).path == "/personal/verificacion/"
    assert desktop.get_by_role("heading", level=1).inner_text() == "Verificación en dos pasos"
    shot(desktop, "desktop-two-factor-verify")
    field = desktop.get_by_label("Código de tu aplicación, o un código de recuperación")
    field.fill(phone_code(secret, steps_ahead=1))
    desktop.get_by_role("button", name="Continuar").click()
    assert urlsplit(desktop.url).path == "/admin/"


def test_too_many_wrong_passwords_show_the_pause_page(
    open_session: OpenSession,  # noqa: F811
    users: dict[str, User],
    settings: Any,
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    page = open_session(**PHONE).page
    page.goto("/personal/entrar/")
    for _ in range(2):
        sign_in(page, users["coordinator"].username, "not-the-password")
    sign_in(page, users["coordinator"].username, "not-the-password")
    assert page.get_by_role("heading", level=1).inner_text() == "Entrada en pausa"
    alert = page.get_by_role("alert").inner_text()
    assert re.search(r"Vuelve a intentarlo en 1\d minutos\.", alert)
    shot(page, "phone-sign-in-paused")
