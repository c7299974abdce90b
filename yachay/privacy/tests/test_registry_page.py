"""The staff page that lists the registry: every staff role reads it, learners do not; its
queries do not grow with the calls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from yachay.accounts.models import User
from yachay.privacy.models import RetentionRule
from yachay.programs.models import Call

pytestmark = pytest.mark.django_db
URL = "/personal/datos-personales/"


@pytest.mark.parametrize("role", ["admin", "coordinator", "instructor"])
def test_every_staff_role_reads_the_registry(
    client: Client, users: dict[str, User], call: Call, role: str
) -> None:
    client.force_login(users[role])
    page = client.get(URL).content.decode()
    assert "DNI" in page and call.title in page
    assert "Datos personales que guardamos" in page and "Se anonimiza el" in page


def test_a_learner_does_not_see_it_and_a_stranger_is_sent_to_sign_in(
    client: Client, users: dict[str, User]
) -> None:
    assert client.get(URL).status_code == 302
    client.force_login(users["learner"])
    assert client.get(URL).status_code == 404


def test_a_calls_own_rule_and_the_default_are_shown(
    client: Client, users: dict[str, User], call: Call
) -> None:
    RetentionRule.objects.create(call=call, months=3)
    client.force_login(users["admin"])
    page = client.get(URL).content.decode()
    assert "<td>3</td>" in page


def test_the_queries_do_not_grow_with_the_calls(
    client: Client, users: dict[str, User], call: Call, django_assert_max_num_queries: object
) -> None:
    client.force_login(users["admin"])
    client.get(URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(10):
        Call.objects.create(
            program=call.program, title=f"C{i}", slug=f"c{i}", opens_at=timezone.now(),
            closes_at=timezone.now() + dt.timedelta(days=1), seats=1,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)
