from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.accounts.models import User
from yachay.accounts.services import api_key_create
from yachay.core.actors import SYSTEM


class Command(BaseCommand):
    help = "Create an API key and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Who the key is for, e.g. 'Partner CRM'.")
        parser.add_argument("--user", help="Username the key acts as (its scope applies).")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
        _key, raw = api_key_create(name=name, user=user, actor=SYSTEM)
        self.stdout.write(raw)
