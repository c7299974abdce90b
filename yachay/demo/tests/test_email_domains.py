"""A demo run on a server whose email works must not write to strangers: every address the
demo makes is at a domain reserved for examples (RFC 2606, RFC 6761), never a webmail's."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import mail, serializers
from django.core.management import call_command

from yachay.demo import applicants as demo
from yachay.demo.management.commands.demo_credentials import EXAMPLE_APPLICATION

# RFC 2606's second-level example domains (and their subdomains) and the reserved top-level
# names. example.pe is not one of them: .pe names are registrable, so the demo avoids it.
RESERVED = re.compile(
    r"(?:^|\.)(?:example\.com|example\.net|example\.org)$|\.(?:example|test|invalid|localhost)$"
)
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")


def not_reserved(text: str) -> set[str]:
    return {m.group(0) for m in EMAIL.finditer(text) if not RESERVED.search(m.group(1).lower())}


def test_the_check_itself_tells_reserved_from_real_domains() -> None:
    text = "a@example.com b@correo.example.org c@yachay.example d@x.test e@gmail.com f@example.pe"
    assert not_reserved(text) == {"e@gmail.com", "f@example.pe"}
    assert not_reserved("nobody@notexample.com") == {"nobody@notexample.com"}


def test_the_generator_draws_every_address_from_a_reserved_domain() -> None:
    assert not not_reserved(" ".join(f"x@{d}" for d in demo.EMAIL_DOMAINS))
    now = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
    window = demo.CallWindow(opens_at=now - dt.timedelta(days=6), now=now, closes_on=now.date())
    crowd = demo.generate_applicants(5000, seed=3, window=window)
    assert not not_reserved(" ".join(r["email"] for r in crowd))
    # The shares of the webmail providers they stand for, in the same order: the generator
    # draws the same applicants as before, only the domain names differ.
    assert list(demo.EMAIL_DOMAINS.values()) == [60, 16, 7, 5, 3, 3, 2, 2, 1]


@pytest.mark.django_db
def test_every_email_in_a_loaded_demo_is_at_a_reserved_domain(
    tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path
    call_command("load_demo", "--applicants", "300", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_credentials", stdout=out)
    # Every row of every table of ours (users, applications, calls' texts, audit), the
    # credentials file and what demo_credentials prints, as one text.
    ours = [m for m in apps.get_models() if m.__module__.startswith("yachay.")]
    ours.append(apps.get_model("auth", "Group"))
    rows = [serializers.serialize("json", m._default_manager.all()) for m in ours]
    files = [p.read_text() for p in tmp_path.rglob("*.json")]
    text = "\n".join([*rows, *files, out.getvalue(), str(EXAMPLE_APPLICATION)])
    assert "@" in text and "example" in text
    assert not not_reserved(text)
    sent = [r for m in mail.outbox for r in [*m.to, *m.cc, *m.bcc]]
    assert not not_reserved(" ".join(sent))
