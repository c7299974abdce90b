from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from yachay.accounts.models import ApiKey, Role, User
from yachay.accounts.services import api_key_create, api_key_lookup, hash_key
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.programs.models import Call


def test_create_api_key_prints_the_key_once_and_stores_only_its_hash(db: None) -> None:
    out = StringIO()
    call_command("create_api_key", "--name", "Socio CRM", stdout=out)
    raw = out.getvalue().strip()
    key = ApiKey.objects.get()
    assert raw.startswith("ych_") and len(raw) > 40
    assert key.key_hash == hash_key(raw) and raw not in key.key_hash
    assert api_key_lookup(raw) == key
    assert AuditEvent.objects.filter(action="api_key.create").count() == 1


def test_create_api_key_can_act_as_a_user(users: dict[str, User]) -> None:
    out = StringIO()
    call_command("create_api_key", "--name", "coord", "--user", "carlos.coord", stdout=out)
    assert ApiKey.objects.get().user == users["coordinator"]


@pytest.mark.parametrize(
    "args", [["--name", ""], ["--name", "x" * 101], ["--name", "a", "--user", "nadie"]]
)
def test_create_api_key_refuses_bad_arguments(db: None, args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_key", *args)
    assert ApiKey.objects.count() == 0


def test_an_admin_revokes_a_key_in_the_admin(client: Client, users: dict[str, User]) -> None:
    out = StringIO()
    call_command("create_api_key", "--name", "Socio", stdout=out)
    key = ApiKey.objects.get()
    client.force_login(users["admin"])
    r = client.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )
    assert r.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api_key_lookup(out.getvalue().strip()) is None
    assert AuditEvent.objects.filter(action="api_key.revoke", object_id=str(key.pk)).exists()


# A key acts for its user only while the user may act -------------------------------------
APPLICATIONS = "/api/v1/calls/2027-i/applications"


def _keys_answer(raw: str, url: str) -> int:
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_the_key_of_a_deactivated_user_is_refused_everywhere(
    users: dict[str, User], call: Call
) -> None:
    coordinator = users["coordinator"]
    _key, raw = api_key_create(name="coord", user=coordinator, actor=SYSTEM)
    assert _keys_answer(raw, APPLICATIONS) == 200
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    assert api_key_lookup(raw) is None
    for url in (APPLICATIONS, "/api/v1/cohorts", "/api/v1/me/enrollments"):
        assert _keys_answer(raw, url) == 401, url
    # The person comes back: so does the key (revoke it to end it for good).
    coordinator.is_active = True
    coordinator.save(update_fields=["is_active"])
    assert _keys_answer(raw, APPLICATIONS) == 200


def test_the_key_of_a_learners_account_is_refused_once_deactivated(
    users: dict[str, User], call: Call
) -> None:
    learner = users["learner"]
    _key, raw = api_key_create(name="app", user=learner, actor=SYSTEM)
    assert _keys_answer(raw, "/api/v1/me/enrollments") == 200
    # Saved as the admin saves it: the save clears this process's key memo at once (other
    # processes within YACHAY_HOT_CACHE_SECONDS; test_api_speed.py pins that bound).
    learner.is_active = False
    learner.save()
    assert _keys_answer(raw, "/api/v1/me/enrollments") == 401


@pytest.mark.parametrize("new_role", [Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN])
def test_a_key_stops_working_when_its_user_loses_the_role_it_was_issued_for(
    users: dict[str, User], call: Call, new_role: Role
) -> None:
    coordinator = users["coordinator"]
    key, raw = api_key_create(name="coord", user=coordinator, actor=SYSTEM)
    assert key.role == Role.COORDINATOR
    coordinator.role = new_role
    coordinator.save()
    assert api_key_lookup(raw) is None
    assert _keys_answer(raw, APPLICATIONS) == 401
    # A new key for the new role works.
    _new, fresh = api_key_create(
        name="again", user=User.objects.get(pk=coordinator.pk), actor=SYSTEM
    )
    assert api_key_lookup(fresh) is not None


def test_a_partner_key_without_a_user_keeps_working(
    partner_key: tuple[ApiKey, str], call: Call
) -> None:
    assert api_key_lookup(partner_key[1]) == partner_key[0]
    assert _keys_answer(partner_key[1], APPLICATIONS) == 200


def test_the_lookup_reads_the_key_and_its_user_in_one_query(
    users: dict[str, User], django_assert_num_queries: Any
) -> None:
    _key, raw = api_key_create(name="coord", user=users["coordinator"], actor=SYSTEM)
    with django_assert_num_queries(1):
        key = api_key_lookup(raw)
        assert key is not None and key.user is not None and key.user.is_coordinator
