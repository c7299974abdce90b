"""The shared test base: a program with an open call, one user per role, API keys."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from yachay.accounts.models import ApiKey, Role, User
from yachay.accounts.services import api_key_create, user_create
from yachay.core.actors import SYSTEM
from yachay.programs.models import Call, Program

# CI explores the same generated inputs on every run (a failure there is reproducible);
# a developer's run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated(settings: Any) -> None:
    # Rate limits are tested on purpose, not hit by accident; mail goes to the outbox.
    settings.YACHAY_RATELIMIT_FORM = "0"
    settings.YACHAY_RATELIMIT_API = "0"
    settings.YACHAY_RATELIMIT_STATUS = "0"
    settings.YACHAY_RATELIMIT_OFFER = "0"
    settings.YACHAY_RATELIMIT_SURVEY = "0"
    settings.YACHAY_RATELIMIT_CSP_REPORT = "0"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "es"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Static files by their plain names, as the finders serve them to the live server: a
    # manifest left by an earlier `collectstatic` (make run) names hashed files it lacks.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import cache

    cache.clear()
    from yachay.core.memo import clear_all

    clear_all()  # the in-process memo of keys and calls (a test's rows are rolled back)


@pytest.fixture
def program(db: None) -> Program:
    return Program.objects.create(
        name="IA para MYPEs — Perú 2027",
        slug="ia-mypes-2027",
        seats_target=20_000,
        starts_on=dt.date(2027, 1, 15),
        ends_on=dt.date(2027, 12, 15),
        partners="Presidencia del Consejo de Ministros\nSocio tecnológico",
    )


@pytest.fixture
def call(program: Program) -> Call:
    now = timezone.now()
    return Call.objects.create(
        program=program,
        title="Convocatoria 2027-I",
        slug="2027-i",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        seats=1_000,
        min_age=18,
        max_age=70,
        ruc_required_segments=["sme_owner"],
        consent_version="2026-1",
        consent_text="Autorizo el tratamiento de mis datos personales (Ley 29733).",
    )


def valid_form_data(**overrides: Any) -> dict[str, Any]:
    """What a person types in the web form; valid for the ``call`` fixture."""
    data: dict[str, Any] = {
        "dni": "45678912",
        "given_names": "Illari Ñusta",
        "paternal_surname": "Quispe",
        "maternal_surname": "Mamani",
        # The birth date's three boxes: day, month (a list of names; the value is its number), year.
        "birth_date_day": "4",
        "birth_date_month": "5",
        "birth_date_year": "1990",
        "gender": "female",
        "email": "illari.quispe@example.pe",
        "phone": "987 654 321",
        "department": "08",
        "province": "0801",
        "district": "080101",
        "segment": "sme_owner",
        "ruc": "20100070970",
        "business_name": "Bodega Doña Ñusta",
        "sector": "commerce",
        "woman_led": "true",
        "digital_level": "3",
        "modality": "virtual",
        "schedules": ["evening", "weekend"],
        "consent": "on",
    }
    data.update(overrides)
    return data


def valid_api_payload(**overrides: Any) -> dict[str, Any]:
    """A valid JSON body for POST /api/v1/calls/{slug}/applications."""
    data: dict[str, Any] = {
        "dni": "45678912",
        "given_names": "Amaru",
        "paternal_surname": "Huamán",
        "maternal_surname": "Ccori",
        "birth_date": "1988-11-20",
        "gender": "male",
        "email": "amaru.huaman@example.pe",
        "phone": "+51 912-345-678",
        "ubigeo": "050101",
        "segment": "entrepreneur",
        "modality": "in_person",
        "schedules": ["morning"],
        "digital_level": 2,
        "consent": True,
        "consent_version": "2026-1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def users(db: None) -> dict[str, User]:
    """One user per role; the coordinator follows Cusco (08) and Puno (21)."""
    return {
        "admin": user_create(username="ana.admin", password="x-Secret-9", role=Role.ADMIN, actor=SYSTEM),
        "coordinator": user_create(
            username="carlos.coord", password="x-Secret-9", role=Role.COORDINATOR,
            departments=["08", "21"], actor=SYSTEM,
        ),
        "instructor": user_create(username="ines.instr", password="x-Secret-9", role=Role.INSTRUCTOR, actor=SYSTEM),
        "learner": user_create(username="luz.learner", password="x-Secret-9", role=Role.LEARNER, actor=SYSTEM),
    }  # fmt: skip


@pytest.fixture
def partner_key(db: None) -> tuple[ApiKey, str]:
    return api_key_create(name="Socio CRM", actor=SYSTEM)


def bearer(raw: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def web(client: Client) -> Client:
    return client
