"""No secret token in any log line: the scrubbing, Django's loggers, gunicorn's access log."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.config import Config

from yachay.core.logs import SCRUBBED, GunicornLogger, ScrubSecrets, scrub_secrets

LOGIN_TOKEN = "c5x2ab-3f9e0a1b2c3d4e5f6a7b8c9d"
OFFER_TOKEN = "eyJvIjo0Mn0:1tZx9Q:Kq3vX0m7s1pLr8uT2yWn4bHc6dFg"
RESET_TOKEN = "c5x2ac-0a1b2c3d4e5f60718293a4b5c6d7"
SURVEY_TOKEN = "Qm9uZGlhLXN1cnZleS10b2tlbi0xMjM0"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"GET /entrar/MQ/{LOGIN_TOKEN}/ HTTP/1.1", LOGIN_TOKEN),
        (f"POST /entrar/MQ/{LOGIN_TOKEN}/?next=/asistencia/5/%3Fc%3D123456 HTTP/1.1", LOGIN_TOKEN),
        (f"GET /ofertas/{OFFER_TOKEN}/ HTTP/1.1", OFFER_TOKEN),
        (f"POST /ofertas/{OFFER_TOKEN}/?respuesta=rechazar HTTP/1.1", OFFER_TOKEN),
        (f"POST /api/v1/offers/{OFFER_TOKEN}/accept HTTP/1.1", OFFER_TOKEN),
        (f"GET /personal/contrasena/MQ/{RESET_TOKEN}/ HTTP/1.1", RESET_TOKEN),
        (f"POST /encuestas/{SURVEY_TOKEN}/?p=2 HTTP/1.1", SURVEY_TOKEN),
        (f"https://yachay.example.pe/ofertas/{OFFER_TOKEN}/", OFFER_TOKEN),  # a referrer
        ("Not Found: /OFERTAS/" + OFFER_TOKEN, OFFER_TOKEN),
        ("GET /asistencia/5/?c=123456 HTTP/1.1", "123456"),
        ("GET /entrar/?next=%2Fasistencia%2F5%2F%3Fc%3D654321 HTTP/1.1", "654321"),
        (f"GET /entrar/?next=%2Fofertas%2F{OFFER_TOKEN}%2F HTTP/1.1", OFFER_TOKEN),
        ("GET /convocatorias/2027-i/estado/?dni=45678912 HTTP/1.1", "45678912"),
    ],
)
def test_it_scrubs_every_secret_out_of_a_line(line: str, secret: str) -> None:
    scrubbed = scrub_secrets(line)
    assert secret not in scrubbed and secret.lower() not in scrubbed.lower()
    assert SCRUBBED in scrubbed


@pytest.mark.parametrize(
    "line",
    [
        "GET /convocatorias/2027-i/postular/ HTTP/1.1",
        "GET /entrar/ HTTP/1.1",
        "GET /entrar/?next=/mi-cuenta/ HTTP/1.1",
        "GET /personal/contrasena/enviada/ HTTP/1.1",
        "GET /personal/contrasena/MQ/set-password/ HTTP/1.1",
        "GET /aprender/ia-para-tu-negocio/leccion/l-2026-intro/ HTTP/1.1",
        "GET /api/v1/calls/2027-i/applications?limit=50&offset=100 HTTP/1.1",
        "200",
        "Mozilla/5.0 (Linux; Android 13)",
    ],
)
def test_it_leaves_lines_without_secrets_as_they_are(line: str) -> None:
    assert scrub_secrets(line) == line


def test_the_filter_scrubs_a_record_built_from_arguments() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "%s: %s",
        ("Not Found", f"/entrar/MQ/{LOGIN_TOKEN}/"), None,
    )  # fmt: skip
    assert ScrubSecrets().filter(record)
    assert record.getMessage() == f"Not Found: /entrar/MQ/{SCRUBBED}/"


def test_djangos_request_log_goes_through_the_scrubbing_handler() -> None:
    # settings.LOGGING: the root handler scrubs, and Django's own handlers are gone.
    root = logging.getLogger()
    assert any(isinstance(f, ScrubSecrets) for h in root.handlers for f in h.filters)
    assert logging.getLogger("django").handlers == []
    server = logging.getLogger("django.server")
    assert any(isinstance(f, ScrubSecrets) for h in server.handlers for f in h.filters)


def test_a_404_on_an_offer_address_logs_no_token(
    client: object, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ScrubSecrets())
    logging.getLogger("django.request").addHandler(handler)
    try:
        client.get(f"/no-existe/ofertas/{OFFER_TOKEN}/")  # type: ignore[attr-defined]
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert "Not Found" in stream.getvalue()
    assert OFFER_TOKEN not in stream.getvalue()


def _gunicorn_line(environ: dict[str, str], headers: list[tuple[str, str]]) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set(
        "access_log_format",
        '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s "%({authorization}i)s" "%({location}o)s"',
    )
    logger = GunicornLogger(cfg)
    stream = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(stream)]
    response = SimpleNamespace(status="302 Found", sent=0, headers=headers)
    request = SimpleNamespace(headers=[("AUTHORIZATION", "Bearer ych_1a2b3c4d_secret")])
    logger.access(response, request, environ, dt.timedelta(milliseconds=12))
    return stream.getvalue()


def test_gunicorns_access_line_has_no_token_no_code_and_no_key() -> None:
    path = f"/entrar/MQ/{LOGIN_TOKEN}/"
    query = "next=%2Fasistencia%2F5%2F%3Fc%3D123456"
    line = _gunicorn_line(
        {
            "REQUEST_METHOD": "POST",
            "RAW_URI": f"{path}?{query}",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.7",
            "HTTP_REFERER": f"https://yachay.example.pe/ofertas/{OFFER_TOKEN}/",
        },
        [("Location", f"/ofertas/{OFFER_TOKEN}/")],
    )
    for secret in (LOGIN_TOKEN, OFFER_TOKEN, "123456", "ych_1a2b3c4d_secret"):
        assert secret not in line, line
    assert line.startswith('203.0.113.7 "POST /entrar/MQ/[scrubbed]/?next=') and " 302 " in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_real_gunicorn_logs_sign_in_and_offer_addresses_without_their_tokens(
    tmp_path: Path,
) -> None:
    """What `make run` starts: gunicorn with our logger class, its access log on stdout."""
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "YACHAY_ENV": "development",
        "DEBUG": "false",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "yachay.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--access-logfile", "-", "--logger-class", "yachay.core.logs.GunicornLogger",
            ],
            cwd=settings.BASE_DIR, env=env, stdout=stdout, stderr=stderr,
        )  # fmt: skip
        try:
            urls = [
                f"/entrar/MQ/{LOGIN_TOKEN}/?next=%2Fasistencia%2F5%2F%3Fc%3D123456",
                f"/ofertas/{OFFER_TOKEN}/",
                f"/personal/contrasena/MQ/{RESET_TOKEN}/",
            ]
            deadline = time.monotonic() + 30
            for url in urls:
                while True:
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=10)
                        break
                    except urllib.error.HTTPError:
                        break  # answered (a 404 or 500 without tables): logged all the same
                    except OSError:
                        assert time.monotonic() < deadline, err.read_text()
                        time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=30)
    logged = out.read_text() + err.read_text()
    assert logged.count("[scrubbed]") >= 3, logged
    for secret in (LOGIN_TOKEN, OFFER_TOKEN, RESET_TOKEN, "123456"):
        assert secret not in logged, logged
