"""The pages run under a strict Content-Security-Policy, and a violation fails the tests.

Every browser test watches for violations (``watch_policy_violations`` in
``yachay.core.tests.browser``; ``open_session`` fails the test at teardown). These tests show
the watch works: a page served with the application's real policy and an inline script and
styles is caught three ways (the DOM event, Chromium's console, the report the browser posts
to /csp-report/), and the pages no other browser test opens (the API's docs) run clean.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page

from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    SHOTS,
    OpenSession,
    browser,
    open_session,
)

pytestmark = pytest.mark.browser

INLINE = """<!doctype html><html lang="es"><title>Prueba</title>
<style>p{color:red}</style><main><p style="color:blue">Hola</p></main>
<script>document.title = "cambiado"</script></html>"""


def test_an_inline_script_or_style_is_refused_and_reported(
    open_session: OpenSession,  # noqa: F811
) -> None:
    headers = Client().get("/ayuda/").headers
    session = open_session(**DESKTOP)
    page: Page = session.page
    page.route(
        "**/prueba-csp/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": headers["Content-Security-Policy"]},
            body=INLINE,
        ),
    )
    with page.expect_request("**/csp-report/"):
        page.goto("/prueba-csp/")
    for _ in range(50):  # the other reports, and the events
        page.wait_for_timeout(100)
        if len(session.reports) >= 3 and len(session.violations) >= 6:
            break
    assert page.title() == "Prueba"  # the inline script did not run
    colour = page.evaluate("getComputedStyle(document.querySelector('p')).color")
    assert colour == "rgb(0, 0, 0)"  # neither inline style applied
    found = list(session.violations)
    logged = list(session.reports)
    session.violations.clear()  # caught on purpose: not this test's failure
    session.reports.clear()
    refused = " ".join(found)
    for directive in ("script-src-elem", "style-src-elem", "style-src-attr"):
        assert directive in refused, found
    assert any(v.startswith("console") for v in found), found
    assert len(logged) == 3 and all("/prueba-csp/" in line for line in logged), logged


def test_the_api_docs_run_under_the_policy(
    open_session: OpenSession,  # noqa: F811
) -> None:
    page = open_session(**DESKTOP).page
    response = page.goto("/api/v1/docs")
    assert (
        response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    )
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".opblock").first.wait_for()
    page.screenshot(path=str(SHOTS / "desktop-api-docs.png"))


def test_the_projector_may_go_full_screen_and_nothing_uses_the_camera(
    open_session: OpenSession,  # noqa: F811
) -> None:
    page = open_session(**DESKTOP).page
    page.goto("/ayuda/")
    allowed: dict[str, Any] = page.evaluate(
        """() => Object.fromEntries(["fullscreen", "camera", "microphone", "geolocation"]
             .map(f => [f, document.featurePolicy ? document.featurePolicy.allowsFeature(f)
                                                  : null]))"""
    )
    assert allowed == {"fullscreen": True, "camera": False, "microphone": False,
                       "geolocation": False}  # fmt: skip


def test_the_admin_runs_its_scripts_under_the_policy(
    open_session: OpenSession,  # noqa: F811
    users: dict[str, Any],
) -> None:
    # Django 5.2's admin has no inline script or style (change_list.html's one <style>
    # appears only with actions neither on top nor at the bottom: none of ours).
    page = open_session(**DESKTOP).page
    page.goto("/admin/login/")
    page.locator("[name=username]").fill(users["admin"].username)
    page.locator("[name=password]").fill("x-Secret-9")
    page.locator("[type=submit]").click()
    page.wait_for_url("**/admin/")
    page.goto("/admin/programs/call/add/")
    # Built by DateTimeShortcuts.js: the calendar and clock links next to each date field.
    page.locator(".datetimeshortcuts").first.wait_for()
    page.goto("/admin/cohorts/cohort/add/")
    # Built by SelectFilter2.js: the two-list picker of instructors.
    page.locator(".selector .selector-available").first.wait_for()
    page.screenshot(path=str(SHOTS / "desktop-admin-cohort-add.png"))
