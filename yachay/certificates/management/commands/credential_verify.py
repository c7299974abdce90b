from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from yachay.certificates.credential import verify_credential
from yachay.certificates.issuer import issuer_did, site_did_document

MAX_BYTES = 4 * 1024 * 1024


def _read_json(path: Path, what: str) -> Any:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as error:
        raise CommandError(
            _("Cannot read the %(what)s %(path)s: %(error)s")
            % {"what": what, "path": path, "error": error.strerror}
        ) from None
    if len(raw) > MAX_BYTES:
        raise CommandError(_("The %(what)s %(path)s is too large.") % {"what": what, "path": path})
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise CommandError(
            _("The %(what)s %(path)s is not JSON (truncated or damaged?).")
            % {"what": what, "path": path}
        ) from None


def _fetch_json(url: str) -> tuple[Any, str | None]:
    """The JSON at ``url``, or None and why not (in words: the answer says what failed)."""
    if not url.startswith(("https://", "http://")):
        return None, _("its address is not an http(s) URL")
    try:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http/https only)
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        return None, _("the server answered HTTP %(status)s") % {"status": error.code}
    except TimeoutError:
        return None, _("no answer within 10 seconds")
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, _("it cannot be reached (%(reason)s)") % {"reason": reason}
    if len(body) > MAX_BYTES:
        return None, _("the answer is too large")
    try:
        return json.loads(body.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, _("the answer is not JSON")


class Command(BaseCommand):
    help = (
        "Verify an Open Badges credential offline: signature, issuer key, status and dates. "
        "Exit code 0 only when it is valid and not revoked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The credential (JSON).")
        parser.add_argument(
            "--did",
            type=Path,
            help="The issuer's DID document (did.json); default: this site's own keys.",
        )
        parser.add_argument(
            "--status-list", type=Path, help="The status list credential (JSON) it points to."
        )
        parser.add_argument(
            "--fetch-status",
            action="store_true",
            help="Fetch the status list from its URL (the only network access).",
        )
        parser.add_argument(
            "--no-status",
            action="store_true",
            help="Do not check revocation (says so in the answer).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        credential = _read_json(options["file"], _("credential"))
        if options["did"]:
            did_doc = _read_json(options["did"], _("DID document"))
            did = did_doc.get("id") if isinstance(did_doc, dict) else None
        else:
            did_doc, did = site_did_document(), issuer_did()
        did_documents = {did: did_doc} if isinstance(did, str) else {}

        status_lists: dict[str, Any] = {}
        if options["status_list"]:
            listed = _read_json(options["status_list"], _("status list"))
            if isinstance(listed, dict) and isinstance(listed.get("id"), str):
                status_lists[listed["id"]] = listed
        elif options["fetch_status"] and isinstance(credential, dict):
            entry = credential.get("credentialStatus")
            url = entry.get("statusListCredential") if isinstance(entry, dict) else None
            if isinstance(url, str):
                fetched, why = _fetch_json(url)
                if fetched is not None:
                    status_lists[url] = fetched
                else:
                    self.stderr.write(
                        _("Could not fetch the status list %(url)s: %(why)s.")
                        % {"url": url, "why": why}
                    )

        result = verify_credential(
            credential,
            did_documents=did_documents,
            status_lists=status_lists,
            check_status=not options["no_status"],
        )
        elapsed = (time.perf_counter() - started) * 1000
        if result.ok:
            if options["no_status"]:
                self.stdout.write(_("Valid: signature, issuer key and dates are correct."))
                self.stdout.write(_("Revocation status not checked (--no-status)."))
            else:
                self.stdout.write(_("Valid: signature, issuer key, dates and status are correct."))
            self.stdout.write(_("Checked in %(ms).0f ms.") % {"ms": elapsed})
            return
        for problem in result.problems:
            self.stderr.write(f"- {problem.message} [{problem.code}]")
        raise CommandError(_("NOT valid: %(count)d problem(s).") % {"count": len(result.problems)})
