"""The application page stays light: at most 30 KB over the wire on a first visit.

Many applicants use a cheap phone on a weak connection. The budget counts what a
browser downloads on first load: the gzip-compressed HTML plus every asset the
page references (stylesheets, scripts, images, icons). Assets must come from our
own host; a page that needs another host (a font or CDN) breaks on a bad
connection and sends the applicant's address to a third party.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from yachay.programs.models import Call

BUDGET_BYTES = 30 * 1024

# What makes a browser fetch something on load (links the person follows do not count).
_FETCHED = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "input": ("src",),  # <input type=image>
}
_FETCHED_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload",
                      "modulepreload", "prefetch", "manifest", "mask-icon"}  # fmt: skip
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)""", re.IGNORECASE)


class _Assets(HTMLParser):
    """Collects the addresses a browser fetches while loading a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.has_icon = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & {"icon", "shortcut"}:
                self.has_icon = True
            if rels & _FETCHED_LINK_RELS and a.get("href"):
                self.urls.append(a["href"])
        for attr in _FETCHED.get(tag, ()):
            if a.get(attr):
                if attr == "srcset":
                    self.urls += [part.split()[0] for part in a[attr].split(",") if part.strip()]
                else:
                    self.urls.append(a[attr])
        if a.get("style"):
            self.urls += _css_urls(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += _css_urls(data)


def _css_urls(css: str) -> list[str]:
    return _CSS_URL.findall(css) + _CSS_IMPORT.findall(css)


def _is_inline(url: str) -> bool:
    return url.startswith(("data:", "#"))


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.netloc not in {"testserver", "127.0.0.1", "localhost"}


def _fetch(client: Client, url: str) -> tuple[int, bytes, str]:
    """GET an asset as a browser would; return status, bytes on the wire, content type."""
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return response.status_code, body, response.get("Content-Type", "")


def _wire_weight(client: Client, path: str) -> tuple[int, dict[str, int], list[str]]:
    """Bytes over the wire for a first visit: the page plus, recursively, its assets."""
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, response.status_code
    assert response.get("Content-Encoding") == "gzip", (
        "GZipMiddleware did not compress the page; is it in MIDDLEWARE?"
    )
    html = gzip.decompress(response.content).decode()
    sizes = {path: len(response.content)}
    parser = _Assets()
    parser.feed(html)
    queue = [urljoin(path, u) for u in parser.urls if not _is_inline(u)]
    if not parser.has_icon:
        queue.append("/favicon.ico")  # browsers ask for it when the page names no icon
    external = [u for u in queue if _is_external(u)]
    for url in queue:
        if url in sizes or _is_external(url):
            continue
        status, body, ctype = _fetch(client, url)
        sizes[url] = len(body)
        if status == 200 and "css" in ctype:
            css = gzip.decompress(body).decode() if body[:2] == b"\x1f\x8b" else body.decode()
            queue += [urljoin(url, u) for u in _css_urls(css) if not _is_inline(u)]
    return sum(sizes.values()), sizes, external


@pytest.fixture
def apply_path(call: Call) -> str:
    return reverse("intake:apply", args=[call.slug])


def test_gzip_middleware_compresses_the_apply_page(web: Client, apply_path: str) -> None:
    plain = web.get(apply_path)
    packed = web.get(apply_path, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert 'id="apply"' in html
    # Compression pays: the form is repetitive markup.
    assert len(packed.content) < len(plain.content) / 2


def test_the_apply_page_refers_to_no_other_host(web: Client, apply_path: str) -> None:
    html = web.get(apply_path).content.decode()
    parser = _Assets()
    parser.feed(html)
    external = [u for u in parser.urls if _is_external(u)]
    assert external == [], f"assets from other hosts: {external}"
    # Styles and script come from our own static files (the CSP allows no inline ones).
    sheets = re.findall(r"<link[^>]*rel=[\"']?stylesheet[^>]*href=\"([^\"]+)\"", html, re.I)
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html, re.IGNORECASE)
    assert sheets and scripts and all(u.startswith("/static/") for u in sheets + scripts)
    assert not re.search(r"<style|<script>|\sstyle=", html, re.IGNORECASE)


def test_the_apply_page_weighs_at_most_30_kb_over_the_wire_on_first_load(
    web: Client, apply_path: str
) -> None:
    total, sizes, external = _wire_weight(web, apply_path)
    assert external == []
    detail = ", ".join(f"{url}: {n} B" for url, n in sizes.items())
    assert total <= BUDGET_BYTES, f"{total} B over the wire > {BUDGET_BYTES} B budget ({detail})"


def test_the_weight_check_counts_every_referenced_asset() -> None:
    # The check itself must see what a browser would fetch, or the budget means nothing.
    parser = _Assets()
    parser.feed(
        '<link rel="stylesheet" href="/static/a.css"><link rel="icon" href="data:,">'
        '<script src="https://cdn.example/x.js"></script><img srcset="/i1.png 1x, /i2.png 2x">'
        '<style>body{background:url("/bg.png")}</style><div style="background:url(/d.png)"></div>'
        '<a href="/not-fetched/">link</a>'
    )
    assert parser.urls == [
        "/static/a.css",
        "data:,",
        "https://cdn.example/x.js",
        "/i1.png",
        "/i2.png",
        "/bg.png",
        "/d.png",
    ]
    assert parser.has_icon
    assert _is_external("https://cdn.example/x.js")
    assert _is_external("//fonts.example/f.woff2")
    assert not _is_external("/static/a.css")


def test_the_call_page_weighs_at_most_30_kb_over_the_wire_on_first_load(
    web: Client, call: Call
) -> None:
    total, sizes, external = _wire_weight(web, reverse("intake:call", args=[call.slug]))
    assert external == []
    assert total <= BUDGET_BYTES, f"{total} B over the wire > {BUDGET_BYTES} B budget ({sizes})"
