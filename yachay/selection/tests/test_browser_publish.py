"""A program admin publishes a selection in a real browser: sign in, dry run, review, confirm.

Screenshots of the call's selection page and the review page, on a phone and a desktop,
land in ``screenshots/`` like the other browser tests'.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from yachay.core.models import AuditEvent
from yachay.core.tests.browser import assert_accessible_at_widths
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    browser,
    no_sideways_scroll,
    open_session,
)
from yachay.programs.models import Call
from yachay.selection.models import Decision, SelectionRun
from yachay.selection.tests.test_selection_runs import closed_call  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    """A screenshot, once axe-core found nothing wrong on the page at a phone's and a
    desktop's width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in_as_admin(page: Page) -> None:
    """With the username and password, at the admin's sign-in page, as a person does."""
    page.goto("/admin/login/")
    page.locator("[name=username]").fill("ana.admin")
    page.locator("[name=password]").fill("x-Secret-9")
    page.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert_accessible_at_widths(page)


def test_a_program_admin_dry_runs_reviews_and_publishes_a_selection(
    open_session: OpenSession,  # noqa: F811
    closed_call: Call,  # noqa: F811
    users: object,
) -> None:
    page = open_session(**DESKTOP).page
    sign_in_as_admin(page)
    page.get_by_role("link", name="Convocatorias").first.click()
    page.wait_for_url(re.compile(r"/admin/programs/call/$"))
    assert_accessible_at_widths(page)
    page.get_by_role("link", name=closed_call.title).click()
    page.wait_for_url(re.compile(rf"/admin/programs/call/{closed_call.pk}/change/$"))
    assert_accessible_at_widths(page)
    page.locator("#selection-link").click()
    page.wait_for_url(re.compile(rf"/programa/convocatorias/{closed_call.slug}/seleccion/$"))
    shot(page, "desktop-selection-call")

    page.get_by_role("button", name="Ejecutar una simulación de la selección").click()
    page.wait_for_url(re.compile(r"/programa/seleccion/\d+/$"))
    run = SelectionRun.objects.get()
    assert run.state == "dry_run" and Decision.objects.count() == 0
    text = page.locator("main").inner_text()
    for words in ("serán admitidas", "en lista de espera", "correos con la oferta", "Cusco"):
        assert words in text, words
    assert "al menos 50\u00a0%" in text and "optimal" not in text and "strict" not in text
    shot(page, "desktop-selection-review")

    # A wrong identifier publishes nothing and says what to type.
    page.locator("[name=confirm]").fill("2027")
    page.locator("#publish-button").click()
    assert closed_call.slug in page.locator("#confirm-error").inner_text()
    assert SelectionRun.objects.get().state == "dry_run"
    shot(page, "desktop-selection-review-wrong-confirmation")

    page.locator("[name=confirm]").fill(closed_call.slug)
    page.locator("#publish-button").dblclick()  # an impatient double click publishes once
    # The same address before and after: wait for the answer's words, not for the address.
    expect(page.locator("main")).to_contain_text("publicada", timeout=20_000)
    page.wait_for_url(re.compile(rf"/programa/seleccion/{run.pk}/$"))
    assert SelectionRun.objects.get().state == "published"
    assert Decision.objects.count() == 12
    assert AuditEvent.objects.filter(action="selection.publish").count() == 1
    shot(page, "desktop-selection-published")


def test_the_review_page_reads_well_on_a_phone(
    open_session: OpenSession,  # noqa: F811
    closed_call: Call,  # noqa: F811
    users: object,
) -> None:
    page = open_session(**PHONE).page
    sign_in_as_admin(page)
    page.goto(f"/programa/convocatorias/{closed_call.slug}/seleccion/")
    no_sideways_scroll(page)
    shot(page, "phone-selection-call")
    page.get_by_role("button", name="Ejecutar una simulación de la selección").click()
    page.wait_for_url(re.compile(r"/programa/seleccion/\d+/$"))
    no_sideways_scroll(page)
    shot(page, "phone-selection-review")
