"""Accessibility, measured: axe-core run on a page open in a Playwright browser.

``assert_accessible(page)`` fails a test with a readable list of every WCAG 2.0/2.1/2.2
A and AA violation axe-core finds on the page as it is now; ``assert_accessible_at_widths``
runs it at a phone's and a desktop's width. axe-core comes from npm (``package.json``,
pinned in ``package-lock.json``; ``make test-browser`` and ``.ci/run`` install it into
``node_modules/``). It is never served: the tests evaluate it in the page through the
browser's debugging protocol, which a page's Content-Security-Policy does not block.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA: what the program promises (DESIGN.md).
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
PHONE_WIDTH, DESKTOP_WIDTH = 390, 1280
WIDTHS = (PHONE_WIDTH, DESKTOP_WIDTH)
_T = TypeVar("_T")
SETTLE = """() => new Promise(resolve => {
  const started = performance.now();
  const frame = () => requestAnimationFrame(() => {
    const moving = document.getAnimations().some(a => a.playState === "running");
    if (moving && performance.now() - started < 2000) frame(); else resolve(true);
  });
  requestAnimationFrame(frame);
})"""


# Every page reports what its Content-Security-Policy refused as a DOM event, before any
# script of the page runs; the binding hands it to the test (neither is subject to the CSP).
_REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", e =>
  window.__yachayPolicyViolation({directive: e.effectiveDirective, blocked: e.blockedURI,
    page: location.pathname, source: e.sourceFile, line: e.lineNumber, sample: e.sample}));"""


def harness_style(directive: object, source: object) -> bool:
    """A ``<style>`` that code of the test's own injected: axe-core, evaluated in the page
    through the debugging protocol (so from no file), re-parses the text of ``@import``-ed
    stylesheets (the admin's) in a ``<style>`` element of its own, which the CSP refuses.
    Every refusal of the site's own markup or scripts names its document or script file."""
    return directive == "style-src-elem" and not source


def watch_policy_violations(context: BrowserContext) -> list[str]:
    """A list that fills with every Content-Security-Policy or Permissions-Policy violation
    in the context's pages: the ``securitypolicyviolation`` events, and Chromium's console
    messages about either policy (a refused inline style, an unknown feature). A browser
    test's teardown fails on any (``yachay.intake.tests.test_browser.open_session``).
    Refusals of the test's own tool (``harness_style``) are not the site's and are left out."""
    found: list[str] = []

    def event(_source: Any, v: dict[str, Any]) -> None:
        if harness_style(v.get("directive"), v.get("source")):
            return
        where = f" at {v['source']}:{v['line']}" if v.get("source") else ""
        sample = f" ({v['sample']!r})" if v.get("sample") else ""
        found.append(f"{v['page']}: {v['directive']} refused {v['blocked']}{where}{sample}")

    def console(message: ConsoleMessage) -> None:
        text = message.text
        about_policy = "Content Security Policy" in text or "Permissions-Policy" in text
        harness = text.startswith("Applying inline style") and not message.location["url"]
        if about_policy and not harness:
            found.append(f"console {message.type}: {text[:400]}")

    context.expose_binding("__yachayPolicyViolation", event)
    context.add_init_script(_REPORT_VIOLATIONS)
    context.on("console", console)
    return found


def assert_no_policy_violations(found: list[str]) -> None:
    if found:
        pytest.fail(
            f"{len(found)} Content-Security-Policy / Permissions-Policy violation(s); move "
            "inline scripts and styles into static files (docs/development.md):\n- "
            + "\n- ".join(dict.fromkeys(found)),
            pytrace=False,
        )


@cache
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is not installed ({AXE} is missing): run `npm ci` at the repository "
            "root, or `make test-browser`, which does it."
        )
    return AXE.read_text(encoding="utf-8")


def scripts_run(page: Page) -> bool:
    """Whether the page's context runs JavaScript. Where it does not (a context opened with
    ``java_script_enabled=False``) an evaluation still answers, but no timer ever fires,
    and axe-core waits on timers."""
    page.evaluate(
        "() => { window.__yachayTick = 0; setTimeout(() => { window.__yachayTick = 1 }, 0) }"
    )
    for _ in range(25):
        if page.evaluate("() => window.__yachayTick"):
            return True
        time.sleep(0.02)
    return False


def _checked_with_scripts(page: Page, check: Callable[[Page], _T]) -> _T:
    """Run ``check`` on a copy of the page as it stands, in a context that runs JavaScript:
    the page's own markup (its scripts dropped, so nothing changes it; <noscript> content
    shown, as without JavaScript), served at its own address with its stylesheets and
    images and the same cookies."""
    html = page.content()
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)
    html = re.sub(r"</?noscript\b[^>]*>", "", html, flags=re.I)
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport=page.viewport_size, locale="es-PE")
    try:
        context.add_cookies(page.context.cookies())  # type: ignore[arg-type]
        copy = context.new_page()
        url = page.url
        if url.startswith(("http:", "https:")):
            copy.route(
                lambda u: u == url,
                lambda route: route.fulfill(
                    status=200, content_type="text/html; charset=utf-8", body=html
                ),
            )
            copy.goto(url)
        else:  # about:blank, filled by set_content
            copy.set_content(html)
        return check(copy)
    finally:
        context.close()


def axe_violations(
    page: Page, *, disable: Iterable[str] = (), exclude: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """What axe-core finds on the page, as axe reports it (``results.violations``).

    ``disable``: rule ids not to run; ``exclude``: CSS selectors of parts not to check.
    Both are for a known failure another change fixes; say which one where you use them.
    A page open with JavaScript off is checked as a copy, in a context that runs it.
    """
    disable, exclude = list(disable), list(exclude)
    if not scripts_run(page):
        return _checked_with_scripts(
            page, lambda copy: axe_violations(copy, disable=disable, exclude=exclude)
        )
    # Let a resize or a load settle first: a layout caught half-way through a CSS transition
    # gives target sizes and colours that no person sees.
    page.evaluate(SETTLE)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated, not added as a <script>: a strict CSP would refuse the script tag.
        page.evaluate(axe_source())
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    context: dict[str, Any] = {"exclude": [[s] for s in exclude]} if exclude else {}
    return list(
        page.evaluate(
            "([context, options]) => axe.run(Object.keys(context).length ? context : document,"
            " options).then(r => r.violations)",
            [context, options],
        )
    )


def describe(violations: list[dict[str, Any]], where: str) -> str:
    """One paragraph per rule: id, impact, what it asks, and every element that fails it."""
    count = sum(len(v["nodes"]) for v in violations)
    lines = [f"axe-core: {count} WCAG A/AA violation(s) on {where}"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact') or '?'}): {v['help']}  <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            html = " ".join(str(node.get("html", "")).split())
            if len(html) > 200:
                html = html[:197] + "..."
            lines.append(f"    at {target}\n       {html}")
            summary = " ".join(str(node.get("failureSummary", "")).split())
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(
    page: Page, *, disable: Iterable[str] = (), exclude: Iterable[str] = ()
) -> None:
    """Fail the test if axe-core finds any WCAG 2.0/2.1/2.2 A or AA violation on the page."""
    violations = axe_violations(page, disable=disable, exclude=exclude)
    if violations:
        size = page.viewport_size or {"width": "?", "height": "?"}
        where = f"{page.url} at {size['width']}×{size['height']} px"
        pytest.fail(describe(violations, where), pytrace=False)


def assert_accessible_at_widths(
    page: Page,
    *,
    widths: Iterable[int] = WIDTHS,
    disable: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> None:
    """``assert_accessible`` at each width (390 and 1280 px unless told), then the page's
    own size again: a layout that reflows can fail at one width only (target size, a
    table that scrolls sideways, text over a changed background)."""
    size = page.viewport_size
    height = size["height"] if size else 900
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": height})
            assert_accessible(page, disable=disable, exclude=exclude)
    finally:
        if size:
            page.set_viewport_size({"width": size["width"], "height": size["height"]})
