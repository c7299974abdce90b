"""Rules as data: the shipped rules load; a wrong rule is refused with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from yachay.engagement import templating
from yachay.engagement.rules import RuleErrors, load_rules, parse_rule

SHIPPED = Path(__file__).resolve().parents[3] / "content" / "nudges"

GOOD = """\
id: test-rule
kind: nudges
trigger:
  type: inactive
  days: 3
channels: [email]
templates:
  es:
    subject: "Hola {{ first_name }}"
    body: |
      Hola, {{ first_name }}:
      Tu siguiente lección: {{ next_lesson }}
    sms: "{{ next_lesson }}"
"""


def test_every_shipped_rule_loads_and_the_issue_s_rules_are_there() -> None:
    rules = {r.id: r for r in load_rules(SHIPPED)}
    assert {
        "session-reminder-24h", "session-reminder-1h", "session-missed", "inactive-3d",
        "inactive-7d", "inactive-14d", "quiz-failed", "one-item-left", "offer-deadline-48h",
        "certificate-ready",
    } <= set(rules)  # fmt: skip
    assert all({"es", "en"} <= set(r.templates) for r in rules.values())
    assert rules["session-reminder-1h"].quiet_hours_exempt
    assert not rules["session-reminder-24h"].quiet_hours_exempt


def test_a_good_rule_parses_with_a_version_that_changes_with_its_text() -> None:
    rule = parse_rule(GOOD, path="x.yaml")
    assert rule.params == {"days": 3} and rule.channels == ("email",)
    assert parse_rule(GOOD.replace("Hola, {{", "Buenas, {{"), path="x.yaml").version != rule.version


def _errors(text: str) -> list[str]:
    with pytest.raises(RuleErrors) as caught:
        parse_rule(text, path="x.yaml")
    return [str(e) for e in caught.value.errors]


def test_an_unknown_variable_is_refused_with_its_line_in_the_file() -> None:
    errors = _errors(GOOD.replace("Tu siguiente lección: {{ next_lesson }}", "Nota: {{ grade }}"))
    assert errors == [
        "x.yaml:12: templates.es.body: unknown variable 'grade' (known: course, days, "
        "first_name, link, next_lesson, program)"
    ]


def test_bad_template_syntax_is_refused_with_its_line() -> None:
    errors = _errors(GOOD.replace('"Hola {{ first_name }}"', '"Hola {{ first_name"'))
    assert errors and errors[0].startswith("x.yaml:9: templates.es.subject: bad syntax")
    errors = _errors(GOOD.replace("Hola, {{ first_name }}:", "{% if x %}hola{% endif %}"))
    assert errors[0].startswith("x.yaml:11: templates.es.body: bad syntax")


def test_wrong_shapes_are_each_named() -> None:
    errors = _errors(
        GOOD.replace("kind: nudges", "kind: spam")
        .replace("days: 3", "days: tres")
        .replace("[email]", "[email, fax]")
    )
    text = "\n".join(errors)
    assert "kind must be one of" in text
    assert "trigger.days must be a whole number" in text
    assert "channel 'fax'" in text


def test_only_a_one_hour_session_reminder_may_ignore_quiet_hours() -> None:
    errors = _errors(GOOD + "window:\n  quiet_hours: ignore\n")
    assert any("only a session reminder 1 hour before" in e for e in errors)


def test_whatsapp_needs_an_approved_template_name() -> None:
    errors = _errors(GOOD.replace("[email]", "[whatsapp, email]"))
    assert any("whatsapp_template" in e for e in errors)


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "id: [unclosed\n", "a: &x 1\nb: *x\n", "\x00"])
def test_garbage_is_refused_never_raised_otherwise(text: str) -> None:
    with pytest.raises(RuleErrors):
        parse_rule(text, path="x.yaml")


def test_one_wrong_file_stops_the_whole_set_loading(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)  # the same id twice
    with pytest.raises(RuleErrors, match="used by another rule"):
        load_rules(tmp_path)


def test_templates_render_only_named_values() -> None:
    assert templating.render("Hola {{ first_name }}!", {"first_name": "Killa"}) == "Hola Killa!"
    assert templating.check("{{ x.__class__ }}", allowed={"x"})
