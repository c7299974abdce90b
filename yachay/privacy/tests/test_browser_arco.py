"""ARCO requests in a real browser: an applicant asks by DNI + reference and confirms from
the emailed link; a learner signed in downloads their data; a program admin reviews and
approves a rectification. axe-core checks every page at a phone's and a desktop's width."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.core.tests.browser import assert_accessible_at_widths
from yachay.intake.models import Application
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    browser,
    open_session,
)
from yachay.privacy.models import Case

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def emailed_link() -> str:
    found = re.search(r"https?://\S+/privacidad/confirmar/\S+/", str(mail.outbox[-1].body))
    assert found
    return urlsplit(found.group(0)).path


def test_an_applicant_asks_for_a_correction_and_an_admin_approves_it(
    open_session: OpenSession,  # noqa: F811
    applicant: Application,
    users: dict[str, User],
) -> None:
    page = open_session(**PHONE).page
    page.goto("/privacidad/")
    page.get_by_role("link", name="Ejercer mis derechos").click()
    shot(page, "phone-arco-rights")
    page.get_by_role("link", name="Rectificación: corregir mis datos").click()
    page.get_by_label("Con mi DNI y el código de mi postulación").check()
    page.get_by_label("DNI", exact=True).fill(applicant.dni)
    page.get_by_label("Código de referencia").fill(applicant.reference)
    page.get_by_label("¿Qué está mal?").select_option("phone")
    page.get_by_label("El valor correcto").fill("+34 612 345 678")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    assert "no es un número de celular peruano" in page.locator("main").inner_text()
    shot(page, "phone-arco-rectification-refused")
    page.get_by_label("El valor correcto").fill("987 111 222")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    assert "i•••@example.pe" in page.locator("main").inner_text()
    shot(page, "phone-arco-sent")
    page.goto(emailed_link())
    shot(page, "phone-arco-confirm")
    page.get_by_role("button", name="Confirmar mi solicitud").click()
    page.wait_for_url(re.compile(r"/privacidad/solicitud/[\w-]+/$"))
    assert "Identidad confirmada" in page.locator("main").inner_text()
    shot(page, "phone-arco-case")

    admin = open_session(**DESKTOP).page
    admin.goto("/personal/entrar/")
    admin.locator("[name=username]").fill("ana.admin")
    admin.locator("[name=password]").fill("x-Secret-9")
    admin.locator("[type=submit]").click()
    admin.wait_for_url(re.compile(r"/personal/"))
    admin.goto("/personal/privacidad/solicitudes/")
    shot(admin, "desktop-arco-staff-list")
    case = Case.objects.get()
    admin.get_by_role("link", name=case.reference).click()
    admin.get_by_role("button", name="Aprobar la rectificación…").click()
    shot(admin, "desktop-arco-staff-review")
    admin.get_by_role("button", name="Sí, hacer la rectificación").click()
    admin.wait_for_url(re.compile(r"/personal/privacidad/solicitudes/[\w-]+/$"))
    applicant.refresh_from_db()
    assert applicant.phone == "+51987111222"
    shot(admin, "desktop-arco-staff-answered")


def test_a_signed_in_learner_downloads_their_data(
    open_session: OpenSession,  # noqa: F811
    applicant: Application,
    users: dict[str, User],
) -> None:
    learner = users["learner"]
    User.objects.filter(pk=learner.pk).update(email=applicant.email)
    session = open_session(**PHONE)
    page = session.page
    # Sign in as the learner does: a link by email.
    page.goto("/entrar/")
    page.locator("[name=email]").fill(applicant.email)
    page.locator("[type=submit]").click()
    link = re.search(r"https?://\S+/entrar/\S+/", str(mail.outbox[-1].body))
    assert link
    page.goto(urlsplit(link.group(0)).path)
    page.get_by_role("button", name="Entrar").last.click()
    page.goto("/privacidad/solicitudes/acceso/nueva/")
    shot(page, "phone-arco-access-form")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    page.wait_for_url(re.compile(r"/privacidad/solicitud/[\w-]+/$"))
    shot(page, "phone-arco-access-answered")
    page.get_by_role("link", name="Ver mis datos").click()
    assert applicant.reference in page.content()
