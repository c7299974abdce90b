from __future__ import annotations

import json
import shlex
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from yachay.accounts.models import User
from yachay.accounts.services import login_link
from yachay.certificates.services import verification_url
from yachay.demo import applicants as demo
from yachay.demo.certificates import demo_credential_files
from yachay.programs.models import Program
from yachay.surveys.models import Invitation
from yachay.surveys.services import answer_url

# An applicant outside the demo's DNI range (the generator draws below 80,000,000),
# so the first POST answers 201 and a second one 409 with the same reference.
EXAMPLE_APPLICATION: dict[str, Any] = {
    "dni": "87654321",
    "given_names": "Killa Rosa",
    "paternal_surname": "Ñahui",
    "maternal_surname": "Quispe",
    "birth_date": "1991-06-24",
    "gender": "female",
    "email": "killa.nahui@example.com",
    "phone": "987 654 321",
    "ubigeo": "080101",
    "segment": "sme_owner",
    "ruc": "20100070970",
    "business_name": "Textiles Killa S.A.C.",
    "sector": "manufacturing",
    "woman_led": True,
    "modality": "virtual",
    "schedules": ["evening", "weekend"],
    "digital_level": 3,
    "consent": True,
    "consent_version": demo.CONSENT_VERSION,
}


class Command(BaseCommand):
    help = (
        "Print the demo's staff logins, where each role signs in, a learner link and the API key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        path = demo.credentials_path()
        data = demo.credentials_read(path)
        if not data:
            self.stdout.write(
                f"No demo credentials ({path} does not exist). "
                "Load the demo with `python manage.py load_demo`."
            )
            return
        w = self.stdout.write
        w(self.style.MIGRATE_HEADING("Yachay demo — local use only"))
        site = settings.YACHAY_SITE_URL.rstrip("/")
        w(f"  Site:        {site}/")
        w(f"  Staff sign-in (username or email + password): {site}/personal/entrar/")
        w(f"  Admin site (program admin and coordinator only): {site}/admin/")
        for user in data.get("users", []):
            password = user.get("password") or (
                "(not known: the user existed before; set one with "
                f"`python manage.py changepassword {user.get('username')}`)"
            )
            scope = ""
            if user.get("departments"):
                scope = f"  departments {', '.join(user['departments'])}"
            w(f"  {user.get('role', ''):<12} {user.get('username')}  password: {password}{scope}")
            w(f"               signs in at {site}/personal/entrar/ and lands on {site}/personal/")
        if settings.YACHAY_REQUIRE_2FA:
            w(
                "  Two-step verification is required for the admin and coordinators: after the"
                " password they set up an authenticator app (QR code) and keep recovery codes."
            )
        else:
            w(
                "  Two-step verification: optional here (on by default in production); try it"
                f" at {site}/personal/verificacion/ or with YACHAY_REQUIRE_2FA=1 make run."
            )
        learner = User.objects.filter(username=data.get("learner") or "", is_active=True).first()
        if learner is not None:
            # A fresh one-time link each time: a link is spent when used.
            w(f"  learner      {learner.username}  sign in once with: {login_link(learner)}")
            w(
                f"               (learners have no password: a new link any time at {site}/entrar/"
                f" with the email {learner.email})"
            )
            w(f"  Learning:    {site}/aprender/   Cohorts (staff): {site}/cohortes/")
            # A survey not answered yet: the learner's own, else another applicant's (the demo
            # answers most baselines itself).
            open_ = (
                Invitation.objects.filter(submitted_at__isnull=True)
                .exclude(closes_at__lte=timezone.now())
                .select_related("survey", "application")
                .order_by("pk")
            )
            invitation = (
                open_.filter(application__enrollment__user=learner).first() or open_.first()
            )
            if invitation is not None:
                w(
                    f"  survey       '{invitation.survey.slug}' of"
                    f" {invitation.application.full_name}, a personal link (no sign-in):"
                )
                w(f"               {answer_url(invitation)}")
        holder = User.objects.filter(
            username=data.get("certificate_holder") or "", is_active=True
        ).first()
        if holder is not None:
            w(f"  certificate  {holder.username}  holds a certificate; sign in once with:")
            w(f"               {login_link(holder)}")
            w(f"               then Mis certificados: {site}/mi-aprendizaje/certificados/")
            w(f"  Certificates (staff): {site}/personal/certificados/")
        program = Program.objects.filter(slug=demo.PROGRAM_SLUG).first()
        files = demo_credential_files(program) if program is not None else None
        if files is not None:
            w(f"  Verify a certificate: {verification_url(files.valid.code)}")
            if files.revoked is not None:
                w(f"  A revoked one:        {verification_url(files.revoked.code)}")
            w(
                f"  Verify a credential offline:\n"
                f"    python manage.py credential_verify {files.credential} "
                f"--status-list {files.status_list} --did {files.did}"
            )
            if files.revoked_credential is not None:
                w(
                    f"    python manage.py credential_verify {files.revoked_credential} "
                    f"--status-list {files.status_list} --did {files.did}   (says revoked)"
                )
        key = data.get("api_key") or {}
        raw = key.get("key", "")
        w(f"  API key:     {raw}")
        call_slug = data.get("call_slug", demo.CALL_SLUG)
        base = f"{site}/api/v1"
        body = json.dumps(EXAMPLE_APPLICATION, ensure_ascii=False)
        w("  Try the API (API docs at " + base + "/docs):")
        w(
            f"    curl -sS -X POST {base}/calls/{call_slug}/applications \\\n"
            f"      -H {shlex.quote('Authorization: Bearer ' + raw)} \\\n"
            f"      -H 'Content-Type: application/json' \\\n"
            f"      -d {shlex.quote(body)}"
        )
        w(f"  (file: {path})")
