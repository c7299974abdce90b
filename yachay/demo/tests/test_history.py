"""The demo's history: a call that went the whole way, so the reports have true data."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from yachay.demo.history import CALL_SLUG
from yachay.learning.models import Completion, QuizAttempt
from yachay.programs.models import Call
from yachay.reports.selectors import Scope, course_stops, funnel, question_quality


@pytest.fixture
def var_dir(tmp_path: Path, settings: Any) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_load_demo_makes_a_call_that_went_through_every_stage(var_dir: Path) -> None:
    out = StringIO()
    call_command("load_demo", "--applicants", "300", stdout=out)
    assert "went the whole way" in out.getvalue()
    call = Call.objects.get(slug=CALL_SLUG)
    f = funnel(call, scope=Scope.everything(), by="department")
    counts = f.total.counts
    assert counts["applied"] == 300
    for stage in ("eligible", "admitted", "accepted", "placed", "active", "completed"):
        assert counts[stage] > 0, stage
    assert counts["applied"] > counts["eligible"] >= counts["admitted"] >= counts["accepted"]
    assert counts["completed"] < counts["placed"]
    # A history, not one instant: submissions over several weeks, completions later.
    assert len([w for w in f.weeks if w.counts["applied"]]) >= 3
    assert max(w.starts_on for w in f.weeks if w.counts["completed"]) > min(
        w.starts_on for w in f.weeks if w.counts["applied"]
    )
    # Completions were decided by the course's rules, and some learners stopped on the way.
    assert Completion.objects.filter(user__enrollments__application__call=call).exists()
    (stops,) = course_stops(call, scope=Scope.everything())
    assert stops.worst is not None
    # First attempts graded by the real grader feed the question statistics.
    assert QuizAttempt.objects.filter(number=1).exists()
    rows = question_quality(stops.course, scope=Scope.everything())
    assert rows and any(r.stats.responses > 0 for r in rows)


@pytest.mark.django_db
def test_replacing_the_demo_removes_the_history_too(var_dir: Path) -> None:
    call_command("load_demo", "--applicants", "40", stdout=StringIO())
    call_command("load_demo", "--applicants", "40", "--replace", stdout=StringIO())
    assert Call.objects.filter(slug=CALL_SLUG).count() == 1
