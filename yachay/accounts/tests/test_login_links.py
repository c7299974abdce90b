"""Learners sign in by one-time links, and can ask for a new one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from yachay.accounts.models import Role
from yachay.accounts.services import login_link_request, user_create
from yachay.core.actors import SYSTEM
from yachay.core.models import SentEmail


@pytest.fixture
def learner(db: None) -> Any:
    user = user_create(username="urpi", email="urpi@example.pe", role=Role.LEARNER, actor=SYSTEM)
    user.first_name = "Urpi"
    user.save()
    return user


def test_a_learner_asks_for_a_link_and_signs_in_with_it_once(
    client: Client, learner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/entrar/", {"email": "URPI@example.pe"})
    assert r.status_code == 200 and len(mail.outbox) == 1
    link = re.search(r"(/entrar/\S+/\S+/)", str(mail.outbox[0].body))
    assert link
    assert client.post(link.group(1)).status_code == 302
    assert client.get("/mi-cuenta/").status_code == 200
    client.logout()
    assert client.post(link.group(1)).status_code == 404


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: Client, learner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/entrar/", {"email": "urpi@example.pe"}).content.decode()
        unknown = client.post("/entrar/", {"email": "nadie@example.pe"}).content.decode()

    def strip(html: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert strip(known) == strip(unknown) and 'role="status"' in known
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("email", ["", "no-es-correo", "<script>@x", "a" * 300 + "@x.pe"])
def test_a_bad_address_is_answered_next_to_the_field(client: Client, db: None, email: str) -> None:
    r = client.post("/entrar/", {"email": email})
    assert r.status_code == 200 and 'class="err"' in r.content.decode()
    assert len(mail.outbox) == 0


@pytest.mark.parametrize("path", ["/entrar/abc/def/", "/entrar/MQ/not-a-token/", "/entrar/%FF/x/"])
def test_a_broken_link_says_so_and_offers_a_new_one(
    client: Client, learner: Any, path: str
) -> None:
    r = client.get(path)
    assert r.status_code == 404 and "/entrar/" in r.content.decode()


def test_each_request_sends_one_link_however_often_its_task_runs(
    learner: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from yachay.accounts.tasks import send_login_link

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    with django_capture_on_commit_callbacks(execute=True):
        login_link_request(email="urpi@example.pe")
        login_link_request(email="urpi@example.pe")  # asked twice: two links
    rows = list(DBTaskResult.objects.filter(task_path=send_login_link.module_path))
    assert len(rows) == 2
    for row in rows * 2:  # each task run twice (a retry after a crash)
        send_login_link.call(**row.args_kwargs["kwargs"])
    assert len(mail.outbox) == 2
    assert SentEmail.objects.filter(key__startswith="login-link:").count() == 2


def test_accounts_sends_its_own_mail_without_asking_the_apps_above() -> None:
    # Accepting an offer (selection) asks accounts for the sign-in link, never the reverse.
    import ast
    from pathlib import Path

    import yachay.accounts

    for module in ("services.py", "tasks.py"):
        tree = ast.parse((Path(yachay.accounts.__file__).parent / module).read_text())
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        assert not {m for m in imported if m.startswith("yachay.selection")}, module
