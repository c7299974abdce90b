"""Survey as code: the four surveys of the program load; a file with errors is refused with
its file and line, every problem at once; the content hash is the version."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from yachay.learning.course_format import CourseErrors
from yachay.surveys import survey_format as sf
from yachay.surveys.models import Survey, SurveyVersion
from yachay.surveys.services import survey_import

CONTENT = Path(settings.BASE_DIR) / "content" / "surveys"

# The contract with the impact study (docs/survey-format.md): same id, type and unit.
CONTRACT = {
    "uses_ai": ("single", ""),
    "ai_uses": ("multiple", ""),
    "monthly_sales_pen": ("number", "soles"),
    "customers_month": ("number", "clientes"),
    "employees": ("number", "personas"),
    "digital_tools": ("number", "herramientas"),
    "confidence_ai": ("scale", ""),
}
RANGES = {
    "monthly_sales_pen": (0, 10_000_000),
    "customers_month": (0, 1_000_000),
    "employees": (0, 10_000),
    "digital_tools": (0, 50),
}

HEAD = """\
slug: s
kind: baseline
title: Una encuesta
pages:
"""


def write(tmp_path: Path, body: str, name: str = "s") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "survey.yaml").write_text(body, encoding="utf-8")
    return folder


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(CourseErrors) as caught:
        sf.load_survey(folder)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize("slug", ["linea-base", "seguimiento-3m", "seguimiento-6m"])
def test_the_program_surveys_carry_the_questions_the_impact_study_compares(slug: str) -> None:
    spec = sf.load_survey(CONTENT / slug)
    for qid, (qtype, unit) in CONTRACT.items():
        question = spec.question(qid)
        assert question is not None, qid
        assert (question.type, question.unit.es) == (qtype, unit), qid
    for qid, (low, high) in RANGES.items():
        question = spec.question(qid)
        assert question is not None and (question.min, question.max) == (low, high)
    ai_uses = spec.question("ai_uses")
    assert ai_uses is not None and ai_uses.show_if == sf.Condition("uses_ai", ("si",))
    assert spec.question("uses_ai").option_ids() == ("si", "no")  # type: ignore[union-attr]


def test_every_survey_is_in_spanish_and_english_and_follow_ups_ask_to_recommend() -> None:
    kinds = {}
    for folder in sorted(CONTENT.iterdir()):
        spec = sf.load_survey(folder)
        kinds[spec.kind] = spec
        for question in spec.questions():
            assert question.prompt.es and question.prompt.en, (spec.slug, question.id)
            for option in question.options:
                assert option.text.es and option.text.en
    assert set(kinds) == {"baseline", "end_of_course", "followup_3m", "followup_6m"}
    for kind in ("end_of_course", "followup_3m", "followup_6m"):
        recommend = kinds[kind].question("recommend")
        assert recommend is not None and recommend.type == "scale"
    assert "applicant_followup" in kinds["followup_3m"].invitations


def test_it_reports_every_problem_with_its_file_and_line(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        HEAD
        + """\
  - id: uno
    title: Página uno
    questions:
      - id: Mal-Id
        type: single
        prompt: ¿Qué?
        options: [{id: a, es: A}, {id: b, es: B}]
      - id: ventas
        type: number
        prompt: ¿Cuánto?
        min: 10
        max: 5
      - id: tipo
        type: slider
        prompt: ¿?
      - id: escala
        type: scale
        prompt: ¿Cuánto te gusta?
        unit: soles
      - id: una
        type: single
        prompt: ¿Una?
        options: [{id: a, es: A}]
      - id: cond
        type: text
        prompt: ¿Por qué?
        show_if: {question: una, equals: a}
""",
    )
    errors = errors_of(folder)
    assert any(
        e.startswith("survey.yaml:8: ") and "'Mal-Id' is not a valid question id" in e
        for e in errors
    ), errors
    assert any(
        e.startswith("survey.yaml:16: ") and "max: must not be less than min" in e for e in errors
    ), errors
    assert any(
        e.startswith("survey.yaml:18: ") and "'slider' is not one of" in e for e in errors
    ), errors
    assert any(
        e.startswith("survey.yaml:23: ") and "unit: not used by a scale question" in e
        for e in errors
    ), errors
    assert any(
        e.startswith("survey.yaml:27: ") and "needs at least 2 options" in e for e in errors
    ), errors
    assert any(e.startswith("survey.yaml:31: ") and "on the same page" in e for e in errors), errors


def test_it_refuses_bad_yaml_unknown_keys_and_conditions_on_unknown_options(tmp_path: Path) -> None:
    assert errors_of(write(tmp_path, "slug: s\nkind: [unclosed\n", "a"))[0].startswith(
        "survey.yaml:3: YAML syntax error"
    )
    folder = write(
        tmp_path,
        HEAD.replace("slug: s", "slug: b").replace("kind: baseline", "kind: baseline\ncolor: rojo")
        + """\
  - id: uno
    title: Uno
    questions:
      - {id: usa, type: single, prompt: "¿Usas?", options: [{id: si, es: Sí}, {id: "no", es: "No"}]}
  - id: dos
    title: Dos
    questions:
      - {id: para, type: text, prompt: "¿Para qué?", show_if: {question: usa, equals: tal-vez}}
      - {id: nada, type: text, prompt: "¿Y?", show_if: {question: nadie, equals: x}}
      - {id: usa, type: text, prompt: "¿Otra vez?"}
""",
        "b",
    )
    errors = errors_of(folder)
    assert "survey.yaml:3: color: unknown key" in errors[0]
    assert any(
        e.startswith("survey.yaml:13: ") and "'tal-vez' is not an option of 'usa'" in e
        for e in errors
    ), errors
    assert any(
        e.startswith("survey.yaml:14: ") and "no earlier question has the id 'nadie'" in e
        for e in errors
    ), errors
    assert any(
        e.startswith("survey.yaml:15: ") and "'usa' is already used on line 9" in e for e in errors
    ), errors


def test_an_invitation_text_must_carry_the_link_and_known_values_only(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        HEAD
        + """\
  - id: uno
    title: Uno
    questions:
      - {id: t, type: text, prompt: "¿Algo?"}
invitations:
  learner:
    subject: Hola {{ nombre }}
    body: Responde pronto.
    sms: "{{ link }}"
""",
    )
    errors = errors_of(folder)
    assert any(
        "survey.yaml:11: invitations.learner.subject.es: unknown variable 'nombre'" in e
        for e in errors
    ), errors
    assert any(
        "survey.yaml:12: invitations.learner.body.es: must contain {{ link }}" in e for e in errors
    ), errors


def test_control_characters_and_a_wrong_folder_are_refused(tmp_path: Path) -> None:
    folder = write(tmp_path, HEAD + "  - id: uno\x00\n")
    assert "not allowed in YAML" in errors_of(folder)[0]
    assert "no such survey folder" in errors_of(tmp_path / "missing")[0]
    other = write(
        tmp_path,
        HEAD.replace("slug: s", "slug: otro")
        + "  - {id: u, title: U, questions: [{id: t, type: text, prompt: '¿?'}]}\n",
        "x",
    )
    assert any("must be the folder's name" in e for e in errors_of(other))


def test_the_version_is_the_content_hash(tmp_path: Path, db: None) -> None:
    body = HEAD + "  - id: uno\n    title: Uno\n    questions:\n"
    body += "      - {id: t, type: text, prompt: '¿Algo?'}\n"
    folder = write(tmp_path, body)
    first = survey_import(path=folder)
    (folder / "survey.yaml").write_text("# un comentario\n" + body, encoding="utf-8")
    assert survey_import(path=folder).status == "unchanged"
    (folder / "survey.yaml").write_text(body.replace("¿Algo?", "¿Algo más?"), encoding="utf-8")
    second = survey_import(path=folder)
    assert second.status == "imported" and second.version == 2
    assert second.content_hash != first.content_hash
    (folder / "survey.yaml").write_text(body, encoding="utf-8")
    assert survey_import(path=folder).status == "restored"
    assert SurveyVersion.objects.count() == 2
    assert Survey.objects.get().content_hash == first.content_hash


def test_the_command_imports_all_or_names_the_file_and_line(
    tmp_path: Path, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("surveys_import")
    assert Survey.objects.count() == 4
    bad = write(
        tmp_path,
        HEAD
        + "  - id: uno\n    title: Uno\n    questions:\n"
        + "      - {id: t, type: number, prompt: '¿Cuánto?'}\n",
    )
    with pytest.raises(CommandError):
        call_command("surveys_import", str(bad))
    err = capsys.readouterr().err
    assert f"{bad}/survey.yaml:8: pages[0].questions[0]: a number question needs 'min'" in err
