from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from yachay.accounts.models import ApiKey, User
from yachay.accounts.services import api_key_lookup, hash_key
from yachay.core.models import AuditEvent


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
