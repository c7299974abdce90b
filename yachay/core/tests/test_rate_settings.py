"""Every rate limit comes from a YACHAY_RATELIMIT_* setting, itself from the environment
(issue 10, item 15)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from yachay import settings as settings_module
from yachay.core.http import rate_limited, rate_setting
from yachay.core.tests.test_settings import manage


def test_a_limit_names_a_setting_never_a_number() -> None:
    request = RequestFactory().post("/")
    with pytest.raises(ImproperlyConfigured):
        rate_limited("offer", request, "30/60")
    with pytest.raises(ImproperlyConfigured):
        rate_setting("YACHAY_RATELIMIT_NOTHING")


def test_an_override_of_the_setting_applies_at_once(settings: Any) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.1.1")
    settings.YACHAY_RATELIMIT_OFFER = "1/60"
    assert rate_limited("t", request, "YACHAY_RATELIMIT_OFFER") == 0
    assert rate_limited("t", request, "YACHAY_RATELIMIT_OFFER") > 0
    settings.YACHAY_RATELIMIT_OFFER = "3/60"
    assert rate_limited("t", request, "YACHAY_RATELIMIT_OFFER") == 0


def test_the_environment_sets_a_limit_and_a_bad_value_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YACHAY_RATELIMIT_OFFER", "7/11")
    assert settings_module.env_rate("YACHAY_RATELIMIT_OFFER", "30/60") == "7/11"
    monkeypatch.delenv("YACHAY_RATELIMIT_OFFER")
    assert settings_module.env_rate("YACHAY_RATELIMIT_OFFER", "30/60") == "30/60"
    for off in ["0", ""]:
        monkeypatch.setenv("YACHAY_RATELIMIT_OFFER", off)
        assert settings_module.env_rate("YACHAY_RATELIMIT_OFFER", "30/60") == off
    for bad in ["30", "x/60", "5/0", "5/60/2", "-1/60", "1.5/60"]:
        monkeypatch.setenv("YACHAY_RATELIMIT_OFFER", bad)
        with pytest.raises(ImproperlyConfigured, match="YACHAY_RATELIMIT_OFFER"):
            settings_module.env_rate("YACHAY_RATELIMIT_OFFER", "30/60")


def test_every_limit_setting_is_read_from_the_environment(tmp_path: Path) -> None:
    names = sorted(n for n in dir(django_settings) if n.startswith("YACHAY_RATELIMIT_"))
    assert {"YACHAY_RATELIMIT_FORM", "YACHAY_RATELIMIT_API", "YACHAY_RATELIMIT_STATUS",
            "YACHAY_RATELIMIT_OFFER"} <= set(names)  # fmt: skip
    code = "from django.conf import settings as s; print(" + ",".join(f"s.{n}" for n in names) + ")"
    env = dict.fromkeys(names, "7/11")
    r = manage("shell", "--no-imports", "-c", code, YACHAY_VAR_DIR=str(tmp_path), **env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["7/11"] * len(names)
    r = manage("check", YACHAY_VAR_DIR=str(tmp_path), YACHAY_RATELIMIT_OFFER="thirty")
    assert r.returncode != 0 and "YACHAY_RATELIMIT_OFFER" in r.stderr


def test_no_code_hard_codes_a_rate() -> None:
    # A literal like "30/60" handed to a limiter is what this item removed.
    root = Path(django_settings.BASE_DIR) / "yachay"
    literal = re.compile(r"""rate_limited\([^)]*["']\d+/\d+["']|ratelimit\([^)]*["']\d+/\d+""")
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts and literal.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
