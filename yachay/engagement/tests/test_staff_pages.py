"""Staff see a person's messages (sent, held out, not sent and why) within their scope, and
each rule's figures with the hold-out comparison (small cells not shown)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from yachay.accounts.models import User
from yachay.engagement.holdout import Comparison, newcombe, wilson
from yachay.engagement.models import Message
from yachay.engagement.tests.conftest import Learning
from yachay.learning.models import LessonProgress


def _message(learning: Learning, **kw: object) -> Message:
    defaults: dict[str, object] = {
        "rule": "inactive-3d", "rule_version": "x", "kind": "nudges", "occurrence": "o",
        "application": learning.enrollment.application, "user": learning.learner,
        "status": "suppressed", "reason": "frequency_cap", "created_at": timezone.now(),
    }  # fmt: skip
    defaults.update(kw)
    return Message.objects.create(**defaults)


def test_staff_in_scope_see_a_person_s_messages_and_why_not_sent(
    learning: Learning, client: Client, users: dict[str, User]
) -> None:
    _message(learning)
    url = f"/personas/{learning.enrollment.application_id}/mensajes/"
    for role in ("admin", "instructor", "coordinator"):  # the cohort is in Cusco (08)
        client.force_login(users[role])
        page = client.get(url)
        assert page.status_code == 200, role
        assert "límite semanal" in page.content.decode()
        assert "Sin actividad por 3 días" in page.content.decode()  # the rule's title, not its id
        assert (
            page.headers["Cache-Control"].startswith("no-store")
            or "no-store" in page.headers["Cache-Control"]
        )
    client.force_login(learning.live.other_instructor)
    assert client.get(url).status_code == 403
    client.force_login(learning.learner)
    assert client.get(url).status_code == 404
    client.force_login(users["admin"])
    assert client.get("/personas/999999/mensajes/").status_code == 404


def test_the_cohort_roster_links_to_each_person_s_messages(
    learning: Learning, client: Client, users: dict[str, User]
) -> None:
    client.force_login(users["instructor"])
    page = client.get(f"/cohortes/{learning.live.cohort.pk}/").content.decode()
    assert f"/personas/{learning.enrollment.application_id}/mensajes/" in page


def test_rule_pages_show_counts_and_hide_small_cells(
    learning: Learning,
    client: Client,
    users: dict[str, User],
    django_assert_max_num_queries: object,
) -> None:
    _message(
        learning, status="held_out", reason="", created_at=timezone.now() - dt.timedelta(days=8)
    )
    client.force_login(users["admin"])
    listing = client.get("/programa/mensajes/")
    assert listing.status_code == 200 and "Sin actividad por 3 días" in listing.content.decode()
    detail = client.get("/programa/mensajes/inactive-3d/").content.decode()
    assert "al menos 10" in detail
    client.force_login(users["instructor"])
    assert client.get("/programa/mensajes/").status_code == 403
    client.force_login(users["admin"])
    assert client.get("/programa/mensajes/no-such-rule/").status_code == 404


def test_came_back_counts_returns_within_seven_days(learning: Learning) -> None:
    from yachay.engagement.selectors import came_back

    made = timezone.now() - dt.timedelta(days=9)
    _message(learning, status="sent", reason="", created_at=made)
    LessonProgress.objects.create(
        user=learning.learner, course=learning.course, activity_id="l1",
        completed_at=made + dt.timedelta(days=2),
    )  # fmt: skip
    assert came_back("inactive-3d") == Comparison(nudged=1, nudged_back=1, held=0, held_back=0)


def test_newcombe_matches_the_published_example() -> None:
    # Newcombe (1998), table II, example (a): 56/70 vs 48/80 → difference 0.2, CI 0.0524 to 0.3339.
    difference, low, high = newcombe(56, 70, 48, 80)
    assert round(difference, 4) == 0.2
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    assert wilson(0, 10)[0] == 0.0
    assert Comparison(100, 30, 9, 5).result() is None
    assert Comparison(100, 30, 100, 20).result() is not None
