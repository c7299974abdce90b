"""credential_verify --fetch-status: a status list that cannot be fetched is said, with why,
and the credential is not called valid."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from yachay.certificates.credential import StatusEntry, build_credential, sign
from yachay.certificates.tests.issuing import Issuer, sample_data


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A local server whose answer the test sets: (status, body)."""
    answer: dict[str, Any] = {"status": 200, "body": b"{}", "delay": 0.0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(answer["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer["body"])

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/credenciales/estado/1", answer
    finally:
        httpd.shutdown()
        httpd.server_close()


def credential_for(url: str, tmp_path: Path) -> tuple[Path, Path]:
    issuer = Issuer()
    signed = sign(
        build_credential(sample_data(1, status=StatusEntry(list_url=url, index=1))),
        private_key=issuer.key.private,
        verification_method=issuer.issue(1)["proof"]["verificationMethod"],
    )
    (tmp_path / "c.json").write_text(json.dumps(signed))
    (tmp_path / "did.json").write_text(json.dumps(issuer.did_document()))
    return tmp_path / "c.json", tmp_path / "did.json"


def verify(credential: Path, did: Path, capsys: Any) -> str:
    with pytest.raises(CommandError):
        call_command("credential_verify", str(credential), "--did", str(did), "--fetch-status")
    return str(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (404, b"Not found", "the server answered HTTP 404"),
        (500, b"", "the server answered HTTP 500"),
        (200, b"<html>not json</html>", "the answer is not JSON"),
        (200, b"\xff\xfe", "the answer is not JSON"),
    ],
)
def test_a_list_that_cannot_be_fetched_says_why(
    server: tuple[str, dict[str, Any]],
    tmp_path: Path,
    capsys: Any,
    status: int,
    body: bytes,
    said: str,
) -> None:
    url, answer = server
    answer.update(status=status, body=body)
    err = verify(*credential_for(url, tmp_path), capsys)
    assert f"Could not fetch the status list {url}: {said}." in err
    assert "revocation was not checked" in err


def test_a_list_that_is_json_but_not_a_list_is_refused(
    server: tuple[str, dict[str, Any]], tmp_path: Path, capsys: Any
) -> None:
    url, answer = server
    answer.update(body=json.dumps({"id": url, "type": "nothing"}).encode())
    err = verify(*credential_for(url, tmp_path), capsys)
    assert "is not a valid list signed by the same issuer" in err


def test_an_unreachable_server_is_said(tmp_path: Path, capsys: Any) -> None:
    url = "http://127.0.0.1:9/credenciales/estado/1"  # the discard port: refused
    err = verify(*credential_for(url, tmp_path), capsys)
    assert f"Could not fetch the status list {url}: it cannot be reached" in err
