"""The demo's classroom: `load_demo` also imports the course and opens two cohorts."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from yachay.cohorts.models import Cohort, Enrollment, Session
from yachay.demo.applicants import CALL_SLUG
from yachay.learning.models import Course
from yachay.learning.selectors import courses_for


@pytest.fixture
def var_dir(tmp_path: Path, settings: Any) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_the_demo_has_a_classroom_a_learner_can_sign_into(var_dir: Path) -> None:
    call_command("load_demo", "--applicants", "2000", stdout=StringIO())
    assert Course.objects.get().slug == "ia-para-tu-negocio"
    classroom = Cohort.objects.filter(call__slug=CALL_SLUG)  # the history has its own call
    assert classroom.count() == 2 and Session.objects.filter(cohort__in=classroom).count() == 12
    enrollments = Enrollment.objects.filter(application__call__slug=CALL_SLUG).select_related(
        "user", "application"
    )
    assert 0 < enrollments.count() <= 30
    assert all(e.user.first_name == e.application.given_names for e in enrollments)
    out = StringIO()
    call_command("demo_credentials", stdout=out)
    link = re.search(r"sign in once with: \S+(/entrar/\S+)", out.getvalue())
    assert link is not None
    client = Client()
    assert client.post(link.group(1)).status_code == 302
    username = re.search(r"learner +(\S+)", out.getvalue())
    assert username is not None
    learner = enrollments.get(user__username=username.group(1)).user
    assert list(courses_for(learner)) == [Course.objects.get()]
    assert "instructora.cusco" in out.getvalue()
    # Loading again with --replace removes the classroom with the rest.
    call_command("load_demo", "--applicants", "2000", "--replace", stdout=StringIO())
    assert Cohort.objects.filter(call__slug=CALL_SLUG).count() == 2
    assert (
        enrollments.count() == Enrollment.objects.filter(application__call__slug=CALL_SLUG).count()
    )
