"""Staff sign in as a person does, in a real browser: the sign-in page, each role's home,
a refusal, and a learner signing out of a shared phone.

No ``force_login`` here: each person types their username and password (or opens their
emailed link), as the credentials ``make run`` prints. Screenshots at 390 px and 1280 px
land in ``screenshots/``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.accounts.services import login_link
from yachay.cohorts.tests.conftest import Live
from yachay.core.tests.browser import assert_accessible_at_widths
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    browser,
    no_sideways_scroll,
    open_session,
    unlabelled_fields,
)

pytestmark = pytest.mark.browser

PASSWORD = "x-Secret-9"  # the shared test users' password (yachay/conftest.py)
SIZES = (("phone", PHONE), ("desktop", DESKTOP))


def shot(page: Page, name: str) -> None:
    """A screenshot, once axe-core found nothing wrong on the page at a phone's and a
    desktop's width, and nothing scrolls sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    no_sideways_scroll(page)
    assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Usuario o correo").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Entrar").click()


def test_an_instructor_signs_in_on_a_phone_and_finds_todays_session(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    users: dict[str, User],
) -> None:
    page = open_session(**PHONE).page
    page.goto("/cohortes/")  # a staff page, signed out: to the staff sign-in, and back
    assert urlsplit(page.url).path == "/personal/entrar/"
    assert page.get_by_role("heading", level=1).inner_text() == "Entrada del personal"
    assert unlabelled_fields(page) == []
    shot(page, "phone-staff-sign-in")

    sign_in(page, users["instructor"].username, "not-the-password")
    assert "no coinciden" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Usuario o correo").input_value() == users["instructor"].username
    shot(page, "phone-staff-sign-in-wrong-password")

    sign_in(page, users["instructor"].username)
    assert urlsplit(page.url).path == "/cohortes/"  # ?next= kept
    assert_accessible_at_widths(page)
    page.get_by_role("navigation", name="Tu cuenta").get_by_role("link", name="Inicio").click()
    assert urlsplit(page.url).path == "/personal/"
    today = page.locator(".box.now")
    assert "Qué es la IA" in today.inner_text() and "en curso" in today.inner_text()
    shot(page, "phone-instructor-home")
    today.get_by_role("link", name="Mostrar el código").click()
    assert urlsplit(page.url).path == f"/cohortes/sesiones/{live.session.pk}/codigo/"
    assert len(re.sub(r"\D", "", page.locator("p[aria-live]").inner_text())) == 6
    assert_accessible_at_widths(page)


@pytest.mark.parametrize("role", ["instructor", "coordinator", "admin"])
def test_each_role_signs_in_and_lands_on_its_home_at_phone_and_desktop_widths(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    users: dict[str, User],
    role: str,
) -> None:
    user = users[role]
    user.first_name = {"instructor": "Inés", "coordinator": "Carlos", "admin": "Rosa"}[role]
    user.save()
    for size, options in SIZES:
        page = open_session(**options).page
        page.goto("/personal/entrar/")
        if role == "admin":
            shot(page, f"{size}-staff-sign-in")
        sign_in(page, user.username)
        assert urlsplit(page.url).path == "/personal/"
        assert page.get_by_role("heading", level=1).inner_text() == f"Hola, {user.first_name}"
        account = page.get_by_role("navigation", name="Tu cuenta")
        assert account.get_by_role("button", name="Cerrar sesión").is_visible()
        shot(page, f"{size}-home-{role}")


def test_a_coordinator_opens_a_cohort_of_their_department_and_is_refused_another(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    users: dict[str, User],
) -> None:
    for size, options in SIZES:
        page = open_session(**options).page
        page.goto("/personal/entrar/")
        sign_in(page, users["coordinator"].username)
        page.get_by_role("link", name=live.cohort.name).first.click()
        assert urlsplit(page.url).path == f"/cohortes/{live.cohort.pk}/"
        assert page.get_by_role("heading", level=1).inner_text().startswith(live.cohort.name)
        if size == "phone":  # the same page at both widths
            assert_accessible_at_widths(page)
        response = page.goto(f"/cohortes/{live.other.pk}/")
        assert response is not None and response.status == 403
        assert page.get_by_role("heading", level=1).inner_text() == "No puedes ver esta página"
        shot(page, f"{size}-403")


def test_a_learner_signs_out_of_a_shared_phone(
    open_session: OpenSession,  # noqa: F811
    live: Live,
) -> None:
    page = open_session(**PHONE).page
    learner = live.learners[0]
    page.goto(urlsplit(login_link(learner)).path)
    assert_accessible_at_widths(page)
    page.get_by_role("button", name="Entrar").click()
    assert urlsplit(page.url).path == "/mi-cuenta/"
    account = page.get_by_role("navigation", name="Tu cuenta")
    assert account.get_by_role("link", name="Mi aprendizaje").is_visible()
    shot(page, "phone-learner-header")
    account.get_by_role("button", name="Cerrar sesión").click()
    assert urlsplit(page.url).path == "/"
    assert "Cerraste sesión" in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("navigation", name="Tu cuenta").count() == 0
    shot(page, "phone-signed-out")
    page.goto("/mi-cuenta/")
    assert urlsplit(page.url).path == "/entrar/"
