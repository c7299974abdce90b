"""A program admin signs in and reads the messages pages; a person unsubscribes from an
email's link, on a phone and a desktop. axe-core checks every page at both widths."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.core.tests.browser import assert_accessible_at_widths
from yachay.engagement import services
from yachay.engagement.models import Message, Unsubscription
from yachay.engagement.tests.conftest import Learning
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    browser,
    no_sideways_scroll,
    open_session,
)

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # A click's navigation is committed before its stylesheets load: measure the laid-out page.
    page.wait_for_load_state("load")
    no_sideways_scroll(page)
    assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_staff_read_the_messages_pages_and_a_person_unsubscribes(
    open_session: OpenSession,  # noqa: F811
    learning: Learning,
    users: dict[str, User],
) -> None:
    person = learning.enrollment.application
    for status, reason in (("sent", ""), ("suppressed", "frequency_cap"), ("held_out", "")):
        Message.objects.create(
            rule="inactive-3d", rule_version="x", kind="nudges", occurrence=status,
            application=person, user=learning.learner, channel="email" if status == "sent" else "",
            status=status, reason=reason, subject="Tu siguiente lección: Lección l2",
            created_at=timezone.now() - dt.timedelta(days=1),
        )  # fmt: skip
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_session(**options).page
        page.goto("/programa/mensajes/")
        assert urlsplit(page.url).path == "/personal/entrar/"
        page.get_by_label("Usuario o correo").fill(users["admin"].username)
        page.get_by_label("Contraseña").fill("x-Secret-9")
        page.get_by_role("button", name="Entrar").click()
        assert urlsplit(page.url).path == "/programa/mensajes/"
        shot(page, f"{size}-engagement-rules")
        page.get_by_role("link", name="Sin actividad por 3 días").click()
        assert "¿Funciona?" in page.content()
        shot(page, f"{size}-engagement-rule")
        page.goto(f"/personas/{person.pk}/mensajes/")
        assert "alcanzó el límite semanal de mensajes" in page.content()
        shot(page, f"{size}-engagement-person")

    url = services._unsubscribe_url(person.pk, "nudges")
    path = urlsplit(url).path
    page = open_session(**PHONE).page
    page.goto(path)
    shot(page, "phone-unsubscribe")
    assert not Unsubscription.objects.exists()
    page.get_by_role("button", name="Sí, dejar de recibir estos mensajes").click()
    assert "ya no recibirás" in page.content()
    shot(page, "phone-unsubscribed")
    assert Unsubscription.objects.get().kind == "nudges"
