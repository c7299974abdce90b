from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from yachay.certificates.issuer import issuer_did
from yachay.certificates.keys import create_key, load_pem, public_multibase


class Command(BaseCommand):
    help = (
        "Create a new Ed25519 key that signs the credentials from now on (the newest signs; "
        "older keys stay published so the credentials they signed keep verifying)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            help="Directory of the keys (default: settings.YACHAY_SIGNING_KEYS_DIR).",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Only when the directory holds no key yet (`make run` uses it for the demo).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"] or settings.YACHAY_SIGNING_KEYS_DIR
        if options["if_missing"] and any(directory.glob("*.pem")):
            return
        try:
            path = create_key(directory)
        except FileExistsError:
            raise CommandError(_("A key was created this same second; try again.")) from None
        except OSError as error:
            raise CommandError(
                _("Cannot write the key in %(dir)s: %(error)s")
                % {"dir": directory, "error": error.strerror}
            ) from None
        key = load_pem(path)
        self.stdout.write(_("New signing key: %(path)s") % {"path": path})
        self.stdout.write(
            _("Published as %(method)s (%(multikey)s)")
            % {"method": key.method_id(issuer_did()), "multikey": public_multibase(key.public)}
        )
        self.stdout.write(_("Keep a backup of this file; never put it in git."))
