"""Content-Security-Policy and Permissions-Policy on every response, the report endpoint,
and templates that hold no inline script or style (issue 10, item 16)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from yachay import settings as settings_module
from yachay.core.headers import csp_header, describe_report, permissions_header, scrub_url

pytestmark = pytest.mark.django_db

REPORT = {
    "csp-report": {
        "document-uri": "https://yachay.example.pe/entrar/NA/c3w1fh-0123456789abcdef0123456789/?next=/x",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "blocked-uri": "inline",
        "source-file": "https://yachay.example.pe/static/intake/apply.js?v=1",
        "line-number": 12,
    }
}


def directives(header: str) -> dict[str, list[str]]:
    return {p.split()[0]: p.split()[1:] for p in header.split("; ")}


@pytest.mark.parametrize(
    "url",
    ["/", "/ayuda/", "/api/v1/calls", "/no-existe/", "/static/core/base.css", "/admin/login/"],
)
def test_every_response_carries_both_policies(client: Client, url: str) -> None:
    response = client.get(url)
    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert csp["report-uri"] == ["/csp-report/"]
    assert "unsafe" not in response["Content-Security-Policy"]
    policy = response["Permissions-Policy"]
    for off in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert off in policy
    assert "fullscreen=(self)" in policy


def test_the_headers_follow_the_settings(client: Client, settings: Any) -> None:
    settings.SECURE_CSP = {
        "default-src": ["'self'"],
        "img-src": ["'self'", "https://cdn.example.pe"],
    }
    settings.PERMISSIONS_POLICY = {"camera": ["self", "https://sala.example.pe"]}
    response = client.get("/ayuda/")
    assert response["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' https://cdn.example.pe"
    )
    assert response["Permissions-Policy"] == 'camera=(self "https://sala.example.pe")'
    settings.SECURE_CSP, settings.SECURE_CSP_REPORT_ONLY = {}, {"default-src": ["'self'"]}
    response = client.get("/ayuda/")
    assert "Content-Security-Policy" not in response
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'self'"


def test_django_debug_pages_keep_working_in_debug_only(client: Client, settings: Any) -> None:
    settings.DEBUG = True
    assert "Content-Security-Policy" not in client.get("/no-existe/")
    assert "Content-Security-Policy" in client.get("/ayuda/")
    settings.DEBUG = False
    assert "Content-Security-Policy" in client.get("/no-existe/")


def test_header_building() -> None:
    assert csp_header({"a-src": ["x", "y"], "upgrade-insecure-requests": True, "b": False}) == (
        "a-src x y; upgrade-insecure-requests"
    )
    assert permissions_header({"camera": [], "fullscreen": ["self"]}) == (
        "camera=(), fullscreen=(self)"
    )


def test_operators_add_sources_but_never_unsafe_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "YACHAY_CSP_EXTRA", "img-src https://cdn.example.pe; connect-src https://x.pe"
    )
    assert settings_module.env_csp_extra("YACHAY_CSP_EXTRA") == {
        "img-src": ["https://cdn.example.pe"], "connect-src": ["https://x.pe"],
    }  # fmt: skip
    for bad in ["script-src 'unsafe-inline'", "style-src 'self' 'unsafe-eval'", "img-src",
                "sandbox allow-scripts", "report-uri https://evil.example"]:  # fmt: skip
        monkeypatch.setenv("YACHAY_CSP_EXTRA", bad)
        with pytest.raises(ImproperlyConfigured, match="YACHAY_CSP_EXTRA"):
            settings_module.env_csp_extra("YACHAY_CSP_EXTRA")


def test_a_violation_report_is_logged_without_tokens_or_queries(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="yachay.csp"):
        response = client.post(
            "/csp-report/", json.dumps(REPORT), content_type="application/csp-report"
        )
    assert response.status_code == 204
    [line] = [r.getMessage() for r in caplog.records if r.name == "yachay.csp"]
    assert "style-src-attr" in line and "inline" in line
    assert "https://yachay.example.pe/entrar/NA/[scrubbed]/" in line
    assert "0123456789" not in line and "next=" not in line and "?v=1" not in line


def test_the_reporting_api_format_is_read_too(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = [
        {"type": "csp-violation", "body": {"documentURL": "https://y.pe/aprender/",
         "effectiveDirective": "script-src-elem", "blockedURL": "inline", "lineNumber": 3}},
        {"type": "deprecation", "body": {}},
    ]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="yachay.csp"):
        response = client.post(
            "/csp-report/", json.dumps(body), content_type="application/reports+json"
        )
    assert response.status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "yachay.csp"]
    assert lines == ["CSP refused script-src-elem from inline on https://y.pe/aprender/"]


def test_the_report_endpoint_answers_junk_in_words_and_never_500(
    client: Client, settings: Any
) -> None:
    assert client.get("/csp-report/").status_code == 405
    bad = client.post("/csp-report/", "no json", content_type="application/csp-report")
    assert bad.status_code == 400 and bad.json()["detail"]
    for body in ["{}", "[]", "[1, 2]", '{"csp-report": 5}', '"x"', "null"]:
        assert client.post("/csp-report/", body, content_type="application/json").status_code == 204
    big = client.post("/csp-report/", "x" * 20_000, content_type="application/json")
    assert big.status_code == 413
    settings.YACHAY_RATELIMIT_CSP_REPORT = "2/60"
    codes = [client.post("/csp-report/", "{}", content_type="application/json",
                         REMOTE_ADDR="10.7.7.7").status_code for _ in range(3)]  # fmt: skip
    assert codes == [204, 204, 429]


def test_scrubbing_keeps_keywords_and_drops_tokens() -> None:
    assert scrub_url("inline") == "inline"
    assert scrub_url("eval") == "eval"
    assert scrub_url("data") == "data"
    assert scrub_url("/ofertas/eyJvZmZlciI6MX0:1abc:zzzzzzzzz/?a=1") == "/ofertas/[scrubbed]/"
    # A long segment no rule knows is cut too.
    assert scrub_url("/otra/eyJvZmZlciI6MX0:1abc:zzzzzzzzz/") == "/otra/…/"
    assert describe_report({"csp-report": {"blocked-uri": "https://a.pe/x"}})[0]["directive"] == "?"


# Every template of ours, the admin's overrides included.
TEMPLATES = [p for p in (Path(django_settings.BASE_DIR) / "yachay").rglob("templates/**/*.html")]
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")", re.I),
     "an inline <script>: move it to a static file"),
    (re.compile(r"<style\b", re.I), "a <style> element: move it to a stylesheet"),
    (re.compile(r"\sstyle\s*=", re.I), "a style=\"\" attribute: use a class"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "an on…= handler: use addEventListener"),
    (re.compile(r"javascript:", re.I), "a javascript: address"),
]  # fmt: skip


def test_no_template_holds_an_inline_script_or_style() -> None:
    assert len(TEMPLATES) > 40
    root = django_settings.BASE_DIR
    found = [
        f"{path.relative_to(root)}:{text[: m.start()].count(chr(10)) + 1}: {why}"
        for path in TEMPLATES
        for text in [path.read_text(encoding="utf-8")]
        for pattern, why in INLINE
        for m in pattern.finditer(text)
    ]
    assert found == []
