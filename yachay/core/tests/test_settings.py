"""Settings read the environment, default to a working local set-up, and fail loudly."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from yachay import settings as s

ROOT = Path(__file__).resolve().parents[3]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("YACHAY_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_in_production(tmp_path: Path) -> None:
    r = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        YACHAY_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="yachay.example.pe",
        YACHAY_VAR_DIR=str(tmp_path),
    )
    assert r.returncode == 0, r.stderr + r.stdout
    assert "System check identified no issues (0 silenced)." in r.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    r = manage("check", YACHAY_ENV="production", ALLOWED_HOSTS="x.pe", YACHAY_VAR_DIR=str(tmp_path))
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    r = manage(
        "check", YACHAY_ENV="production", SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="x.pe", DEBUG="true", YACHAY_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert r.returncode != 0 and "DEBUG" in r.stderr


@pytest.mark.parametrize(
    ("helper", "raw"), [(s.env_bool, "maybe"), (s.env_int, "12x"), (s.env_int, "-5")]
)
def test_bad_values_fail_loudly(monkeypatch: pytest.MonkeyPatch, helper: object, raw: str) -> None:
    monkeypatch.setenv("YACHAY_PROBE", raw)
    with pytest.raises(ImproperlyConfigured, match="YACHAY_PROBE"):
        if helper is s.env_bool:
            s.env_bool("YACHAY_PROBE", False)
        else:
            s.env_int("YACHAY_PROBE", 1)


def test_the_default_database_is_sqlite_with_no_services() -> None:
    r = manage("shell", "-c", "from django.db import connection; print(connection.vendor)")
    assert r.stdout.strip().splitlines()[-1] == "sqlite"


@pytest.mark.parametrize(
    ("env", "required"),
    [
        ({"YACHAY_ENV": "production"}, "True"),
        ({"YACHAY_ENV": "development"}, "False"),
        ({"YACHAY_ENV": "production", "YACHAY_REQUIRE_2FA": "false"}, "False"),
        ({"YACHAY_ENV": "development", "YACHAY_REQUIRE_2FA": "1"}, "True"),
    ],
)
def test_two_step_verification_is_required_in_production_unless_turned_off(
    tmp_path: Path, env: dict[str, str], required: str
) -> None:
    r = manage(
        "shell", "-c", "from django.conf import settings; print(settings.YACHAY_REQUIRE_2FA)",
        SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="yachay.example.pe",
        YACHAY_VAR_DIR=str(tmp_path), **env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == required


def test_sign_in_lockout_limits_come_from_the_environment(tmp_path: Path) -> None:
    r = manage(
        "shell", "-c",
        "from django.conf import settings;"
        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())",
        YACHAY_SIGNIN_FAILURE_LIMIT="4", YACHAY_SIGNIN_LOCKOUT_MINUTES="30",
        YACHAY_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "4 1800.0"
