"""{% url %} (core.templatetags.yachay_urls): the address Django's own tag gives, kept."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation
from django.utils.html import escape

from yachay.core.templatetags import yachay_urls


def render(text: str, **context: object) -> str:
    return engines["django"].from_string(text).render(context)


def test_it_stands_in_for_djangos_tag_in_every_template():
    template = engines["django"].from_string("{% url 'learning:home' %}")
    node = template.template.nodelist[0]
    assert isinstance(node, yachay_urls.CachedURLNode)


def test_the_same_addresses_as_reverse():
    assert render("{% url 'learning:home' %}") == reverse("learning:home")
    assert render("{% url 'learning:outline' 'ia-2027' %}") == reverse(
        "learning:outline", args=["ia-2027"]
    )
    assert render("{% url 'learning:asset' 'ia' 2 'img/ñandú.png' %}") == reverse(
        "learning:asset", args=["ia", 2, "img/ñandú.png"]
    )
    assert render("{% url 'learning:quiz' slug 'q1' %}", slug="ia") == reverse(
        "learning:quiz", args=["ia", "q1"]
    )
    assert render("{% url 'learning:quiz' slug='ia' activity_id='q1' %}") == reverse(
        "learning:quiz", kwargs={"slug": "ia", "activity_id": "q1"}
    )
    assert render("{% url 'learning:home' as h %}[{{ h }}]") == f"[{reverse('learning:home')}]"


def test_a_wrong_name_raises_as_djangos_tag_does_and_as_var_is_silent():
    with pytest.raises(NoReverseMatch):
        render("{% url 'learning:nothing' %}")
    assert render("{% url 'learning:nothing' as h %}[{{ h }}]") == "[]"


def test_an_argument_that_cannot_be_a_key_is_reversed_each_time():
    got = render("{% url 'learning:asset' 'ia' 1 path %}", path=["x"])
    assert got == escape(reverse("learning:asset", args=["ia", 1, ["x"]]))


def test_the_script_prefix_and_the_language_are_part_of_the_key():
    plain = render("{% url 'learning:home' %}")
    set_script_prefix("/sub/")
    try:
        assert render("{% url 'learning:home' %}") == "/sub/" + plain.lstrip("/")
    finally:
        set_script_prefix("/")
    assert render("{% url 'learning:home' %}") == plain
    with translation.override("en"):
        assert render("{% url 'learning:home' %}") == reverse("learning:home")


def test_escaped_under_autoescape():
    engine = Engine(builtins=["yachay.core.templatetags.yachay_urls"])
    out = engine.from_string("{% url 'learning:asset' 'ia' 1 path %}").render(
        Context({"path": "a&b.png"})
    )
    assert out.endswith("a&amp;b.png")  # reverse() leaves "&" in a path; the tag escapes it
