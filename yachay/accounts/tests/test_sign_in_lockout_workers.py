"""The lockout holds across processes: gunicorn with two workers on a file database, wrong
passwords spread over both, then the right password is refused by whichever worker answers.
(A per-process count would let half the tries through: the reported defect.)"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Quinua-y-Maiz-2027"
LIMIT = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign_in(base: str, username: str, password: str) -> int:
    """A fresh browser: GET the page for its CSRF token, POST the form; the status code."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(f"{base}/personal/entrar/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(
        f"{base}/personal/entrar/", data=body, headers={"Connection": "close"}
    )
    try:
        return int(opener.open(request, timeout=30).status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def pids_by_status(log: Path) -> dict[int, set[str]]:
    """Which worker (pid) answered the sign-in POSTs, by status: from gunicorn's access log."""
    seen: dict[int, set[str]] = {}
    for line in log.read_text().splitlines():
        m = re.match(r"<?(\d+)>? POST /personal/entrar/ (\d{3})", line)
        if m:
            seen.setdefault(int(m.group(2)), set()).add(m.group(1))
    return seen


@pytest.fixture
def server(tmp_path: Path) -> object:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'yachay.sqlite3'}",
        "YACHAY_VAR_DIR": str(tmp_path),
        "YACHAY_ENV": "development",
        "DEBUG": "0",
        "YACHAY_TASKS": "immediate",
        "YACHAY_SIGNIN_FAILURE_LIMIT": str(LIMIT),
        # The per-process form rate limit would muddle what is measured: off.
        "YACHAY_RATELIMIT_FORM": "0",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            py, "manage.py", "shell", "-c",
            "from yachay.accounts.services import user_create;"
            "from yachay.core.actors import SYSTEM;"
            f"user_create(username='ana.admin', password='{PASSWORD}', role='admin', actor=SYSTEM)",
        ],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    port = free_port()
    log = tmp_path / "access.log"
    proc = subprocess.Popen(
        [
            str(Path(py).parent / "gunicorn"), "yachay.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--access-logfile", str(log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/personal/entrar/", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_two_gunicorn_workers_share_the_lockout(server: tuple[str, Path]) -> None:
    base, log = server
    # Wrong passwords two at a time, so that both workers take some.
    with ThreadPoolExecutor(max_workers=2) as pool:
        wrong = list(pool.map(lambda _: sign_in(base, "ana.admin", "wrong"), range(LIMIT)))
    assert sorted(wrong) == [200] * (LIMIT - 1) + [429]
    # Then the right password, again and again, from both workers: refused every time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        right = list(pool.map(lambda _: sign_in(base, "ana.admin", PASSWORD), range(12)))
    assert right == [429] * 12
    time.sleep(0.5)  # the access log is written after the answer
    seen = pids_by_status(log)
    assert len(seen[200] | seen[429]) == 2, seen  # both workers counted or refused
    assert len(seen[429]) == 2, seen  # and both refused the right password
