"""Property-based: generated input never causes a 500, and invalid input stores nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yachay.conftest import bearer, valid_api_payload, valid_form_data
from yachay.intake.models import Application

FIELDS = [*valid_api_payload(), "ruc", "business_name", "dni_check", "woman_led", "sector"]
nasty_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "", " ", "\x00", "<script>alert(1)</script>", "'; DROP TABLE intake_application; --",
            "Ñ" * 5000, "١٢٣٤٥٦٧٨", "𝕏𝕐", "\u202e", "null", "0" * 8, "99999999999",
        ]
    ),
)  # fmt: skip
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
mutations = st.dictionaries(st.sampled_from(FIELDS), json_value, min_size=1, max_size=6)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _stored_only_if_valid(before: int, status: int) -> None:
    after = Application.objects.count()
    assert status < 500
    if status in (201, 302):
        assert after == before + 1
    else:
        assert after == before


@pytest.mark.django_db
@FUZZ
@given(changes=mutations)
def test_the_api_never_fails_on_generated_input(
    client: Client, call: Any, partner_key: Any, changes: dict[str, Any]
) -> None:
    before = Application.objects.count()
    payload = valid_api_payload(dni=f"{uuid.uuid4().int % 10**8:08d}") | changes
    r = client.post(
        f"/api/v1/calls/{call.slug}/applications",
        json.dumps(payload),
        content_type="application/json",
        **bearer(partner_key[1]),
    )
    _stored_only_if_valid(before, r.status_code)
    assert r.status_code in (201, 409, 422), r.content
    if r.status_code == 422:
        assert r.json()["errors"]


form_value = st.one_of(nasty_text, st.lists(nasty_text, max_size=3))
form_fields = [*valid_form_data(), "submission_key", "update_places", "unknown"]


@pytest.mark.django_db
@FUZZ
@given(changes=st.dictionaries(st.sampled_from(form_fields), form_value, min_size=1, max_size=6))
def test_the_form_never_fails_on_generated_input(
    client: Client, call: Any, changes: dict[str, Any]
) -> None:
    before = Application.objects.count()
    data = (
        valid_form_data(dni=f"{uuid.uuid4().int % 10**8:08d}", submission_key=str(uuid.uuid4()))
        | changes
    )
    r = client.post(f"/convocatorias/{call.slug}/postular/", data)
    _stored_only_if_valid(before, r.status_code)
    assert r.status_code in (200, 302, 400, 409, 422)
    # A NUL, and only a NUL, is refused before the form: a page in words (test_nul_bytes).
    values = [v if isinstance(v, str) else "".join(v) for v in changes.values()]
    assert (r.status_code == 400) == any(chr(0) in v for v in values), changes
