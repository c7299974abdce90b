"""Every learner page stays light: at most 30 KB over the wire on a first visit (gzip, with
every asset it makes the browser fetch), measured on the real demo course — every lesson,
every quiz and its result — and on a lesson with an image."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from yachay.cohorts.tests.conftest import Live
from yachay.core.actors import Actor
from yachay.intake.tests.test_page_weight import BUDGET_BYTES, _wire_weight
from yachay.learning import services
from yachay.learning.models import Course
from yachay.learning.tests.conftest import some_answers
from yachay.learning.tests.test_pages import (  # noqa: F401  (fixtures)
    DEMO_SLUG,
    Learning,
    demo,
    rich,
    signed_in,
)

pytestmark = pytest.mark.django_db


def assert_light(client: Client, path: str) -> int:
    total, sizes, external = _wire_weight(client, path)
    assert external == [], external
    detail = ", ".join(f"{url}: {n} B" for url, n in sizes.items())
    assert total <= BUDGET_BYTES, f"{path}: {total} B > {BUDGET_BYTES} B ({detail})"
    return total


def test_every_demo_course_page_weighs_at_most_30_kb_on_first_load(
    demo: Course,  # noqa: F811
    live: Live,
) -> None:
    learner = live.learners[0]
    client = signed_in(learner)
    outline = client.get(f"/aprender/{DEMO_SLUG}/").content.decode()
    pages = ["/aprender/", f"/aprender/{DEMO_SLUG}/"]
    pages += sorted(set(re.findall(rf'href="(/aprender/{DEMO_SLUG}/[^"]+/)"', outline)))
    quizzes = [p.split("/")[-2] for p in pages if "/cuestionario/" in p]
    assert len(pages) == 22 and len(quizzes) == 7
    for quiz in quizzes:  # a result page for each quiz: every question with its feedback
        services.quiz_submit(user=learner, course=demo, activity_id=quiz,
                             answers=some_answers(demo, quiz),
                             actor=Actor.of_user(learner))  # fmt: skip
        pages.append(f"/aprender/{DEMO_SLUG}/cuestionario/{quiz}/resultado/")
    weights = {path: assert_light(client, path) for path in pages}
    # With -s, the figures for docs and reviews.
    print(f"\nMi aprendizaje {weights['/aprender/']} B, outline {weights[pages[1]]} B")
    for kind in ("/leccion/", "/cuestionario/", "/resultado/"):
        some = {
            p: w
            for p, w in weights.items()
            if kind in p and (kind != "/cuestionario/" or "/resultado/" not in p)
        }
        heaviest = max(some, key=lambda p: some[p])
        print(f"heaviest of {len(some)} {kind.strip('/')}: {heaviest} {some[heaviest]} B")


def test_a_lesson_with_an_image_counts_the_image_and_stays_light(
    rich: Learning,  # noqa: F811
) -> None:
    client = signed_in(rich.learner)
    total, sizes, _external = _wire_weight(client, "/aprender/rico/leccion/l1/")
    image = [url for url in sizes if "/recursos/" in url]
    assert len(image) == 1 and sizes[image[0]] > 0
    assert total <= BUDGET_BYTES
