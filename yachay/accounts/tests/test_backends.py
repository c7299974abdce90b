"""accounts.backends: the signed-in user read with compiled SQL; sessions of the old path kept."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection

from yachay.accounts import backends
from yachay.accounts.models import User
from yachay.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_get_user_is_the_active_user_or_none():
    ana = User.objects.create_user("ana.ñahui", email="ana@example.org")
    gone = User.objects.create_user("gone", email="gone@example.org", is_active=False)
    backend = backends.ModelBackend()
    assert backend.get_user(ana.pk) == ana
    assert backend.get_user(ana.pk).email == "ana@example.org"
    assert backend.get_user(gone.pk) is None  # inactive: refused, as Django's backend does
    assert backend.get_user(987654) is None
    assert backend.get_user(None) is None


def test_the_migration_renames_the_backend_of_live_sessions_only():
    migration = importlib.import_module("yachay.accounts.migrations.0003_sessions_backend_path")
    old = SessionStore()
    old[SESSION_KEY] = "1"
    old[BACKEND_SESSION_KEY] = migration.OLD
    old.create()
    other = SessionStore()
    other[SESSION_KEY] = "2"
    other[BACKEND_SESSION_KEY] = "axes.backends.AxesStandaloneBackend"
    other.create()

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.rename(migration.OLD, migration.NEW)(apps, editor)
    assert SessionStore(old.session_key).load()[BACKEND_SESSION_KEY] == backends.PATH
    assert SessionStore(other.session_key).load()[BACKEND_SESSION_KEY].startswith("axes.")
    assert Session.objects.count() == 2
