"""An unknown code costs what a known one costs (same queries, same template), and no typed
code — forged, tampered, truncated, huge, NUL, Unicode, injection — gets anything but a clear
answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yachay.certificates.models import Certificate
from yachay.learning.tests.conftest import learning, live  # noqa: F401


@pytest.fixture
def client(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def shapes(queries: list[dict[str, Any]]) -> list[str]:
    """The SQL of each query with its literals blanked: what the database is asked to do."""
    return [
        re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"])
        for q in queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


def answered(client: Any, path: str, **query: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, query)
    return response, shapes(ctx.captured_queries)


def tampered(code: str) -> str:
    """The same code with its first character changed to another of the alphabet."""
    return ("1" if code[0] != "1" else "2") + code[1:]


def test_known_unknown_and_junk_codes_do_the_same_queries_and_render_the_same_template(
    client: Any, issued: Certificate
) -> None:
    client.get(f"/verificar/{issued.code}/")  # warm: the session, the translations
    known, known_sql = answered(client, f"/verificar/{issued.code}/")
    assert known.status_code == 200
    for typed in (tampered(issued.code), "ZZZZ-ZZZZ-ZZ", "not a code", "x" * 500):
        unknown, unknown_sql = answered(client, f"/verificar/{typed}/")
        assert unknown.status_code == 404
        assert unknown_sql == known_sql, typed
        assert [t.name for t in unknown.templates] == [t.name for t in known.templates]
    form, form_sql = answered(client, "/verificar/", codigo=tampered(issued.code))
    assert form.status_code == 404 and form_sql == known_sql


BAD = [
    "",  # empty form
    " ",
    "\x00",
    "ABCD\x00EFGH-JK",
    "\x1b[31mABCD",
    "A" * 10_000,
    "ABCD-EFGH",  # truncated
    "ABCD-EFGH-JKL",  # one too many
    "ÑAHUI-KILLA",
    "😀😀😀😀-😀😀😀😀-😀😀",
    "<script>alert(1)</script>",
    "'; DROP TABLE certificates_certificate; --",
    "../../etc/passwd",
    "%00%ff",
]


@pytest.mark.parametrize("typed", BAD)
def test_bad_codes_in_the_form_get_a_clear_answer(
    client: Any, issued: Certificate, typed: str
) -> None:
    response = client.get("/verificar/", {"codigo": typed})
    page = response.content.decode()
    if any(ord(c) < 32 for c in typed):
        # core.input_guard answers every control character with its own clear 400 page.
        assert response.status_code == 400
    elif typed.strip():
        assert response.status_code == 404 and "No certificate has this code" in page
    else:
        assert response.status_code == 200 and "No certificate" not in page
    assert "\x00" not in page and "\x1b" not in page and "<script>alert" not in page
    assert issued.full_name not in page


@pytest.mark.parametrize("typed", [t for t in BAD if t.strip() and "/" not in t])
def test_bad_codes_in_the_address_get_a_clear_answer(
    client: Any, issued: Certificate, typed: str
) -> None:
    response = client.get(f"/verificar/{typed}/")
    if any(ord(c) < 32 for c in typed) or "%00" in typed:
        assert response.status_code == 400  # core.input_guard
    else:
        assert response.status_code == 404
        assert "No certificate has this code" in response.content.decode()


def test_a_tampered_or_truncated_real_code_is_unknown(client: Any, issued: Certificate) -> None:
    for typed in (tampered(issued.code), issued.code[:-1], issued.code[1:]):
        response = client.get(f"/verificar/{typed}/")
        assert response.status_code == 404, typed
        assert issued.full_name not in response.content.decode()


def test_the_unknown_answer_is_small_and_has_no_script(client: Any, db: None) -> None:
    response = client.get("/verificar/ZZZZ-ZZZZ-ZZ/")
    assert len(response.content) < 15_000 and b"<script" not in response.content
