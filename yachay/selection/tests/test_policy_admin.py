"""A call without a policy shows the policy's suggested values in its admin page; with no
seed typed, Django saves no policy. Saving the call then says so, rather than a bare
"saved" that suggests the call can be selected."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from yachay.accounts.models import User
from yachay.programs.models import Call
from yachay.selection.models import SelectionPolicy

pytestmark = pytest.mark.django_db


def _save(call: Call, user: User) -> list[str]:
    request: Any = RequestFactory().post("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = admin.site._registry[Call]
    form: Any = model_admin.get_form(request, call)(instance=call)
    form.save_m2m = lambda: None  # as after form.save(commit=False); the call has no m2m
    model_admin.save_related(request, form, [], change=True)
    return [str(m) for m in get_messages(request)]


def test_saving_a_call_without_a_policy_says_it_has_none(
    call: Call, users: dict[str, User]
) -> None:
    SelectionPolicy.objects.filter(call=call).delete()
    [warning] = _save(call, users["admin"])
    assert "todavía no tiene política de selección" in warning


def test_saving_a_call_with_a_policy_says_nothing_more(call: Call, users: dict[str, User]) -> None:
    SelectionPolicy.objects.get_or_create(call=call, defaults={"seed": "2026-12-01"})
    assert _save(call, users["admin"]) == []
