"""The server configuration of issue #17: PostgreSQL through a pool per process (on by
default, off with DB_POOL_MAX_SIZE=0), gunicorn.conf.py as make run reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRINT = (
    "import json, django; from django.conf import settings; django.setup(); "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'), 'age': d['CONN_MAX_AGE']}))"
)


def database_settings(**env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("YACHAY_", "DB_"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "yachay.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=clean, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_postgresql_gets_a_pool_per_process_by_default() -> None:
    found = database_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert found["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10, "max_idle": 300}
    assert found["age"] == 0  # the pool keeps the connections; Django refuses both


def test_the_pool_can_be_sized_or_turned_off() -> None:
    url = "postgres://u@127.0.0.1:5432/x"
    assert database_settings(DATABASE_URL=url, DB_POOL_MAX_SIZE="8")["pool"] == {
        "min_size": 1, "max_size": 8, "timeout": 10, "max_idle": 300,
    }  # fmt: skip
    off = database_settings(DATABASE_URL=url, DB_POOL_MAX_SIZE="0", DB_CONN_MAX_AGE="60")
    assert off == {"pool": None, "age": 60}


def test_sqlite_has_no_pool() -> None:
    assert database_settings(DATABASE_URL="sqlite:////tmp/x.sqlite3")["pool"] is None


def test_gunicorn_conf_is_what_make_run_serves_with() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "gunicorn --config gunicorn.conf.py" in makefile
    conf: dict[str, object] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 - our own file
    assert conf["worker_class"] == "yachay.core.serving.ThreadWorker"
    assert conf["wsgi_app"] == "yachay.wsgi:application"
    assert int(str(conf["threads"])) > 2  # room for the requests that wait (YACHAY_OVERLOAD_*)
    assert conf["keepalive"] and conf["backlog"] == 2048
