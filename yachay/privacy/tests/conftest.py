from __future__ import annotations

from typing import Any

import pytest

from yachay.conftest import valid_form_data
from yachay.core.actors import SYSTEM
from yachay.intake.forms import ApplicationForm
from yachay.intake.models import Application
from yachay.intake.services import application_submit
from yachay.programs.models import Call


@pytest.fixture(autouse=True)
def _arco_limits(settings: Any) -> None:
    settings.YACHAY_RATELIMIT_ARCO = "0"


def make_application(call: Call, **overrides: Any) -> Application:
    form = ApplicationForm(data=valid_form_data(**overrides), call=call)
    assert form.is_valid(), form.errors
    return application_submit(
        call=call, data=form.cleaned_data, consent_ip="127.0.0.1", actor=SYSTEM, source="web"
    )


@pytest.fixture
def applicant(call: Call) -> Application:
    return make_application(call)


@pytest.fixture(autouse=True)
def _after_commit_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run after-commit work (the emails) at once: each test runs in one transaction."""
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )
