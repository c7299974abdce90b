"""Loading a course folder (course-as-code), on plain files: no database."""

from __future__ import annotations

import os
import re
import tempfile
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yachay.learning.course_format import (
    MAX_FILE_BYTES,
    CompletionRules,
    Course,
    CourseError,
    CourseErrors,
    Lesson,
    Quiz,
    load_course,
    normalize_text,
    pattern_problem,
    resolve_lesson_html,
    sanitize_html,
)

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

COURSE_YAML = """\
slug: ia-para-tu-negocio
title: IA para tu negocio
version: "1.0"
language: es
summary: >
  Una frase o dos que se muestran en la portada del curso.
tracks: [ia-para-tu-negocio]
modules:
  - id: m1-que-es-la-ia
    title: Qué es la IA y qué no es
    items:
      - lessons/01-que-es-la-ia.md
      - lessons/02-ia-en-el-peru.md
      - quizzes/01-que-es-la-ia.yaml
  - id: m2-evaluacion-final
    title: Evaluación final
    items:
      - quizzes/final.yaml
completion:
  lessons: all
  quizzes_min_score: 70
  final_min_score: 70
  attendance_min_percent: 75
"""

LESSON_1 = """\
---
id: m1-l1-que-es-la-ia
title: ¿Qué es la inteligencia artificial?
minutes: 8
---
Texto en **Markdown** (CommonMark + tablas).

![Una bodega en Huancayo con su cuaderno de ventas](../images/bodega.png)

Sigue con [la IA en el Perú](02-ia-en-el-peru.md).
"""

LESSON_2 = """\
---
id: m1-l2-ia-en-el-peru
title: La IA en el Perú
---
## Allinllachu

| producto | ventas |
|:---------|-------:|
| papa     |    120 |

```
print("hola")
```
"""

QUIZ_1 = """\
id: m1-quiz
title: Repaso — Qué es la IA
kind: quiz
max_attempts: 3
questions:
  - id: q1
    type: single
    prompt: ¿Cuál de estas tareas es un buen uso de la IA en una bodega?
    options:
      - id: a
        text: Predecir qué productos se acabarán la próxima semana
        correct: true
        feedback: Sí. Con tu historial de ventas, un modelo puede anticipar la demanda.
      - id: b
        text: Decidir sola a quién fiarle
        feedback: No. Esa decisión afecta a personas y debe ser tuya.
    explanation: La IA encuentra patrones en datos.
  - id: q2
    type: multiple
    prompt: ¿Qué datos tiene ya una bodega?
    points: 2
    options:
      - {id: a, text: Ventas, correct: true}
      - {id: b, text: Clima de Marte}
      - {id: c, text: Inventario, correct: true}
    explanation: Ventas e inventario.
  - id: q3
    type: true_false
    prompt: La IA entiende por qué pasan las cosas.
    answer: false
    feedback_false: Correcto, solo ve patrones.
    explanation: Solo ve números que se repiten juntos.
  - id: q4
    type: numeric
    prompt: ¿Cuánto es 25 / 2?
    answer: 12.5
    tolerance: 0.1
    unit: soles
    explanation: 12,5 soles.
  - id: q5
    type: text
    prompt: ¿Cómo se saluda en quechua?
    accept: [Allinllachu]
    patterns: ["allinllachu\\\\s*(kanki)?"]
    explanation: Allinllachu, ¿cómo estás?
  - id: q6
    type: ordering
    prompt: Ordena los pasos.
    items:
      - {id: datos, text: Recibe datos}
      - {id: patrones, text: Encuentra patrones}
      - {id: aplica, text: Aplica a casos nuevos}
    explanation: Datos, patrones, casos nuevos.
"""

FINAL = """\
id: final
title: Evaluación final
kind: final
max_attempts: 0
questions:
  - id: q1
    type: true_false
    prompt: Ñandú es una palabra con Ñ.
    answer: true
    explanation: Sí.
"""

VALID: dict[str, str | bytes] = {
    "course.yaml": COURSE_YAML,
    "lessons/01-que-es-la-ia.md": LESSON_1,
    "lessons/02-ia-en-el-peru.md": LESSON_2,
    "quizzes/01-que-es-la-ia.yaml": QUIZ_1,
    "quizzes/final.yaml": FINAL,
    "images/bodega.png": PNG,
}


def write_course(root: Path, changes: dict[str, str | bytes | None] | None = None) -> Path:
    """The valid course in ``root``, with ``changes`` applied (``None`` deletes a file)."""
    files: dict[str, str | bytes | None] = {**VALID, **(changes or {})}
    for name, content in files.items():
        if content is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The elements of ``html``: what a browser would build, not the text it would show."""
    parser = _Elements()
    parser.feed(html)
    return parser.found


def assert_harmless(html: str) -> None:
    for tag, attributes in elements(html):
        assert tag not in ("script", "style", "iframe", "object", "embed"), html
        for name, value in attributes.items():
            assert not name.startswith("on"), html
            assert not (value or "").strip().lower().startswith(("javascript", "data", "vbscript"))


def errors(root: Path) -> list[str]:
    with pytest.raises(CourseErrors) as caught:
        load_course(root)
    return [str(error) for error in caught.value.errors]


def errors_with(tmp_path: Path, changes: dict[str, str | bytes | None]) -> list[str]:
    return errors(write_course(tmp_path, changes))


def replace(name: str, old: str, new: str) -> dict[str, str | bytes | None]:
    text = VALID[name]
    assert isinstance(text, str)
    assert old in text, old
    return {name: text.replace(old, new, 1)}


def line_of(name: str, needle: str) -> int:
    text = VALID[name]
    assert isinstance(text, str)
    return text[: text.index(needle)].count("\n") + 1


# --- The happy path ---------------------------------------------------------------------------


def test_it_loads_a_valid_course(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path))

    assert isinstance(course, Course)
    assert course.slug == "ia-para-tu-negocio"
    assert course.title == "IA para tu negocio"
    assert course.version == "1.0"
    assert course.language == "es"
    assert course.summary == "Una frase o dos que se muestran en la portada del curso."
    assert course.tracks == ("ia-para-tu-negocio",)
    assert [module.id for module in course.modules] == ["m1-que-es-la-ia", "m2-evaluacion-final"]
    assert course.completion == CompletionRules(
        lessons_all=True, quizzes_min_score=70, final_min_score=70, attendance_min_percent=75
    )
    assert course.activity_ids() == (
        "m1-l1-que-es-la-ia",
        "m1-l2-ia-en-el-peru",
        "m1-quiz",
        "final",
    )
    assert [lesson.minutes for lesson in course.lessons()] == [8, None]
    assert course.lessons()[0].source_path == "lessons/01-que-es-la-ia.md"
    assert [quiz.kind for quiz in course.quizzes()] == ["quiz", "final"]
    final = course.final_quiz()
    assert final is not None and final.max_attempts == 0
    assert re.fullmatch(r"[0-9a-f]{64}", course.content_hash)


def test_it_reads_every_question_type(tmp_path: Path) -> None:
    quiz = load_course(write_course(tmp_path)).quizzes()[0]

    q1, q2, q3, q4, q5, q6 = quiz.questions
    assert quiz.max_attempts == 3 and quiz.points_possible() == 7
    assert [(o.id, o.correct) for o in q1.options] == [("a", True), ("b", False)]
    assert q1.options[1].feedback == "No. Esa decisión afecta a personas y debe ser tuya."
    assert q2.points == 2 and [o.correct for o in q2.options] == [True, False, True]
    assert q3.answer is False and q3.feedback_false == "Correcto, solo ve patrones."
    assert (q4.answer, q4.tolerance, q4.unit) == (12.5, 0.1, "soles")
    assert q5.accept == ("Allinllachu",) and q5.patterns == (r"allinllachu\s*(kanki)?",)
    assert [item.id for item in q6.items] == ["datos", "patrones", "aplica"]


def test_it_defaults_kind_attempts_points_and_tolerance(tmp_path: Path) -> None:
    quiz = """\
id: m1-quiz
title: Repaso
questions:
  - id: q1
    type: numeric
    prompt: ¿2 + 2?
    answer: 4
    explanation: Cuatro.
"""
    course = load_course(write_course(tmp_path, {"quizzes/01-que-es-la-ia.yaml": quiz}))

    loaded = course.quizzes()[0]
    assert (loaded.kind, loaded.max_attempts) == ("quiz", 3)
    question = loaded.questions[0]
    assert (question.points, question.answer, question.tolerance) == (1, 4.0, 0.0)


def test_it_accepts_the_path_of_course_yaml_itself(tmp_path: Path) -> None:
    write_course(tmp_path)

    assert load_course(tmp_path / "course.yaml").slug == "ia-para-tu-negocio"


def test_completion_rules_may_be_omitted(tmp_path: Path) -> None:
    text = COURSE_YAML[: COURSE_YAML.index("completion:")]

    course = load_course(write_course(tmp_path, {"course.yaml": text}))

    assert course.completion == CompletionRules()
    assert course.tracks == ("ia-para-tu-negocio",)


def test_it_keeps_unicode_text(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path))

    assert course.modules[1].title == "Evaluación final"
    assert course.lessons()[0].title == "¿Qué es la inteligencia artificial?"
    assert "<h2>Allinllachu</h2>" in course.lessons()[1].html
    final = course.final_quiz()
    assert final is not None and final.questions[0].prompt == "Ñandú es una palabra con Ñ."


def test_it_reads_yes_and_no_as_text_where_text_is_expected(tmp_path: Path) -> None:
    changes = replace(
        "quizzes/01-que-es-la-ia.yaml", "text: Decidir sola a quién fiarle", "text: No"
    )

    course = load_course(write_course(tmp_path, changes))

    assert course.quizzes()[0].questions[0].options[1].text == "No"


def test_it_renders_markdown_tables_code_blocks_and_lists(tmp_path: Path) -> None:
    lesson = LESSON_2 + "\n> Una cita.\n\n1. uno\n2. *dos*\n\n---\n"

    html = (
        load_course(write_course(tmp_path, {"lessons/02-ia-en-el-peru.md": lesson}))
        .lessons()[1]
        .html
    )

    assert '<th style="text-align:left">producto</th>' in html
    assert '<td style="text-align:right">120</td>' in html
    assert '<pre><code>print("hola")\n</code></pre>' in html
    assert "<blockquote>\n<p>Una cita.</p>\n</blockquote>" in html
    assert "<ol>\n<li>uno</li>\n<li><em>dos</em></li>\n</ol>\n<hr>" in html


def test_it_turns_level_one_headings_into_level_two(tmp_path: Path) -> None:
    lesson = LESSON_2.replace("## Allinllachu", "# Allinllachu\n\n###### Detalle")

    html = (
        load_course(write_course(tmp_path, {"lessons/02-ia-en-el-peru.md": lesson}))
        .lessons()[1]
        .html
    )

    assert "<h2>Allinllachu</h2>" in html and "<h4>Detalle</h4>" in html
    assert "<h1>" not in html and "<h6>" not in html


def test_it_escapes_raw_html_and_drops_dangerous_links(tmp_path: Path) -> None:
    lesson = (
        LESSON_2
        + """
<script>alert("hola")</script>

<img src="x.png" onerror="alert(1)">

Un [enlace](javascript:alert(1)) y <a href="javascript:alert(2)">otro</a>.
"""
    )

    html = (
        load_course(write_course(tmp_path, {"lessons/02-ia-en-el-peru.md": lesson}))
        .lessons()[1]
        .html
    )

    assert [tag for tag, _ in elements(html)].count("a") == 0
    assert "img" not in [tag for tag, _ in elements(html)]
    assert "&lt;script&gt;" in html  # shown as text, never run
    assert_harmless(html)


def test_the_sanitiser_removes_scripts_handlers_and_javascript_urls() -> None:
    dirty = (
        '<p onclick="x()">Hola<script>alert(1)</script></p>'
        '<img src="a.png" alt="a" onerror="alert(1)">'
        '<a href="javascript:alert(1)">x</a><a href="lesson:m1">y</a>'
        '<table><tr><td style="color:red;text-align:right">1</td></tr></table>'
        "<iframe src='https://example.com'></iframe>"
    )

    clean = sanitize_html(dirty)

    assert "script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript" not in clean and "lesson:" not in clean and "iframe" not in clean
    assert '<img src="a.png" alt="a">' in clean
    assert '<td style="text-align:right">1</td>' in clean


def test_images_keep_their_course_relative_path_and_are_listed(tmp_path: Path) -> None:
    lesson = load_course(write_course(tmp_path)).lessons()[0]

    assert lesson.images == ("images/bodega.png",)
    assert (
        '<img src="images/bodega.png" alt="Una bodega en Huancayo con su cuaderno de ventas">'
        in lesson.html
    )


def test_links_to_lessons_point_to_the_lesson_id(tmp_path: Path) -> None:
    lesson_1 = LESSON_1.replace("(02-ia-en-el-peru.md)", "(./02-ia-en-el-peru.md#tabla)")
    lesson_1 += "\nMás en <https://www.gob.pe> o <mailto:yachay@example.pe> y [arriba](#inicio).\n"

    html = (
        load_course(write_course(tmp_path, {"lessons/01-que-es-la-ia.md": lesson_1}))
        .lessons()[0]
        .html
    )

    assert 'href="lesson:m1-l2-ia-en-el-peru#tabla"' in html
    assert 'href="https://www.gob.pe"' in html
    assert 'href="mailto:yachay@example.pe"' in html
    assert 'href="#inicio"' in html


def test_resolving_lesson_html_maps_lesson_links_and_images(tmp_path: Path) -> None:
    lesson = load_course(write_course(tmp_path)).lessons()[0]

    html = resolve_lesson_html(
        lesson.html,
        lesson_url=lambda lesson_id: f"/aprender/ia/{lesson_id}/",
        asset_url=lambda path: f"/media/cursos/abc/{path}",
    )

    assert 'href="/aprender/ia/m1-l2-ia-en-el-peru/"' in html
    assert 'src="/media/cursos/abc/images/bodega.png"' in html


def test_resolving_lesson_html_cannot_introduce_a_javascript_url() -> None:
    html = resolve_lesson_html(
        '<p><a href="lesson:m1">x</a><img src="a.png" alt="a"></p>',
        lesson_url=lambda _id: "javascript:alert(1)",
        asset_url=lambda _path: "javascript:alert(2)",
    )

    assert "javascript" not in html


# --- Errors: every one, with its file and line ------------------------------------------------


def test_an_error_reads_as_file_line_message() -> None:
    error = CourseError("quizzes/02.yaml", 31, "questions[3].type: unknown")

    assert str(error) == "quizzes/02.yaml:31: questions[3].type: unknown"
    assert str(CourseErrors([error, error])).count("\n") == 1


def test_it_reports_every_error_with_file_and_line(tmp_path: Path) -> None:
    course_yaml = COURSE_YAML.replace("language: es", "language: qu").replace(
        "lessons/02-ia-en-el-peru.md", "lessons/07.md"
    )
    quiz = QUIZ_1.replace("type: ordering", "type: essay").replace("points: 2", "points: 0")
    lesson = LESSON_1.replace("id: m1-l1-que-es-la-ia", "id: m1-quiz")

    found = errors_with(
        tmp_path,
        {
            "course.yaml": course_yaml,
            "quizzes/01-que-es-la-ia.yaml": quiz,
            "lessons/01-que-es-la-ia.md": lesson,
        },
    )

    assert found == [
        "course.yaml:4: language: must be es or en",
        "course.yaml:13: modules[0].items[1]: no such file: lessons/07.md",
        "lessons/01-que-es-la-ia.md:10: link 02-ia-en-el-peru.md: "
        "lessons/02-ia-en-el-peru.md is not a lesson of this course (not in course.yaml)",
        "quizzes/01-que-es-la-ia.yaml:1: id 'm1-quiz' is already used by "
        "lessons/01-que-es-la-ia.md",
        f"quizzes/01-que-es-la-ia.yaml:{line_of('quizzes/01-que-es-la-ia.yaml', 'points: 2')}: "
        "questions[1].points: must be a whole number from 1 to 100",
        f"quizzes/01-que-es-la-ia.yaml:{line_of('quizzes/01-que-es-la-ia.yaml', 'type: ordering')}"
        ": questions[5].type: unknown question type 'essay' "
        "(single, multiple, true_false, numeric, text, ordering)",
    ]


def test_it_requires_the_keys_of_course_yaml(tmp_path: Path) -> None:
    found = errors_with(tmp_path, {"course.yaml": "summary: nada\n"})

    assert found == [
        f"course.yaml:1: missing required key '{key}'"
        for key in ("slug", "title", "version", "language", "modules")
    ]


def test_it_refuses_unknown_keys_at_their_line(tmp_path: Path) -> None:
    course_yaml = COURSE_YAML.replace("summary:", "titel: typo\nsummary:").replace(
        "  lessons: all", "  lessons: all\n  certificate: yes"
    )
    quiz = FINAL.replace("    answer: true", "    answer: true\n    hint: piensa")
    lesson = LESSON_1.replace("minutes: 8", "minutes: 8\nauthor: Ana")

    found = errors_with(
        tmp_path,
        {
            "course.yaml": course_yaml,
            "quizzes/final.yaml": quiz,
            "lessons/01-que-es-la-ia.md": lesson,
        },
    )

    assert found[0].startswith("course.yaml:5: titel: unknown key (expected one of: slug, title,")
    assert found[1].startswith("course.yaml:22: completion.certificate: unknown key")
    assert found[2].startswith("lessons/01-que-es-la-ia.md:5: author: unknown key")
    assert found[3].startswith("quizzes/final.yaml:10: questions[0].hint: unknown key")
    assert len(found) == 4


def test_it_reports_a_key_written_twice(tmp_path: Path) -> None:
    found = errors_with(tmp_path, {"course.yaml": COURSE_YAML + "title: Otra vez\n"})

    assert found == ["course.yaml:24: title: duplicate key (first on line 2)"]


@pytest.mark.parametrize("bad_id", ["M1", "-m1", "m_1", "m1.", "ñandú", "a" * 61, "m 1"])
def test_it_refuses_ids_that_are_not_lowercase_letters_digits_and_hyphens(
    tmp_path: Path, bad_id: str
) -> None:
    changes = replace("course.yaml", "id: m1-que-es-la-ia", f"id: '{bad_id}'")

    assert errors_with(tmp_path, changes) == [
        f"course.yaml:9: modules[0].id: '{bad_id}' is not a valid id: use lowercase letters, "
        "digits and hyphens, starting with a letter or digit, at most 60 characters"
    ]


def test_an_id_of_sixty_characters_and_a_numeric_id_are_fine(tmp_path: Path) -> None:
    changes = replace("course.yaml", "id: m1-que-es-la-ia", f"id: {'a' * 60}")
    changes.update(replace("quizzes/final.yaml", "id: q1", "id: 1"))

    course = load_course(write_course(tmp_path, changes))

    assert course.modules[0].id == "a" * 60
    final = course.final_quiz()
    assert final is not None and final.questions[0].id == "1"


def test_it_reports_an_id_already_used_and_where(tmp_path: Path) -> None:
    lesson_2 = LESSON_2.replace("id: m1-l2-ia-en-el-peru", "id: m1-l1-que-es-la-ia")
    final = FINAL.replace("id: final", "id: m2-evaluacion-final")
    course_yaml = COURSE_YAML.replace("id: m2-evaluacion-final", "id: m1-que-es-la-ia")

    found = errors_with(
        tmp_path,
        {
            "lessons/02-ia-en-el-peru.md": lesson_2,
            "quizzes/final.yaml": final,
            "course.yaml": course_yaml,
        },
    )

    assert found == [
        "course.yaml:15: modules[1].id 'm1-que-es-la-ia' is already used on line 9",
        "lessons/02-ia-en-el-peru.md:2: id 'm1-l1-que-es-la-ia' is already used by "
        "lessons/01-que-es-la-ia.md",
    ]
    # m2-evaluacion-final is free again once the module is renamed: no error for the quiz.


def test_a_quiz_id_may_not_reuse_a_module_id(tmp_path: Path) -> None:
    found = errors_with(tmp_path, replace("quizzes/final.yaml", "id: final", "id: m1-que-es-la-ia"))

    assert found == [
        "quizzes/final.yaml:1: id 'm1-que-es-la-ia' is already used by course.yaml",
    ]


def test_question_ids_are_unique_per_quiz_and_option_ids_per_question(tmp_path: Path) -> None:
    quiz = QUIZ_1.replace("id: q2", "id: q1").replace("{id: c, text: Inventario", "{id: a, text: X")

    found = errors_with(tmp_path, {"quizzes/01-que-es-la-ia.yaml": quiz})

    name = "quizzes/01-que-es-la-ia.yaml"
    assert found == [
        f"{name}:18: questions[1].id 'q1' is already used on line 6",
        f"{name}:25: questions[1].options[2].id 'a' is already used on line 23",
    ]
    # Different questions may share option ids, different quizzes question ids (q1 in final).


def test_modules_need_items_and_courses_need_modules(tmp_path: Path) -> None:
    no_items = COURSE_YAML.replace("    items:\n      - quizzes/final.yaml", "    items: []")
    assert "course.yaml:17: modules[1].items: needs at least 1 item" in errors_with(
        tmp_path / "a", {"course.yaml": no_items}
    )

    no_modules = COURSE_YAML[: COURSE_YAML.index("modules:")] + "modules: []\n"
    assert errors_with(tmp_path / "b", {"course.yaml": no_modules}) == [
        "course.yaml:8: modules: needs at least 1 module"
    ]


def test_it_reports_items_that_are_missing_or_of_the_wrong_kind(tmp_path: Path) -> None:
    course_yaml = COURSE_YAML.replace(
        "      - quizzes/final.yaml",
        "      - quizzes/final.yaml\n      - notas.txt\n"
        "      - lessons/03.md\n      - quizzes/x.yml",
    )

    assert errors_with(tmp_path, {"course.yaml": course_yaml}) == [
        "course.yaml:19: modules[1].items[1]: must be a .md lesson or a .yaml quiz: notas.txt",
        "course.yaml:20: modules[1].items[2]: no such file: lessons/03.md",
        "course.yaml:21: modules[1].items[3]: must be a .md lesson or a .yaml quiz: quizzes/x.yml",
    ]


def test_it_refuses_paths_that_leave_the_course_folder(tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text(LESSON_2, encoding="utf-8")
    course = tmp_path / "course"
    write_course(course)
    (course / "lessons" / "link.md").symlink_to(outside)
    course_yaml = COURSE_YAML.replace(
        "      - quizzes/final.yaml",
        "      - quizzes/final.yaml\n      - ../secret.md\n      - /etc/passwd.md\n"
        "      - lessons/link.md\n      - 'lessons\\01.md'",
    )
    (course / "course.yaml").write_text(course_yaml, encoding="utf-8")

    assert errors(course) == [
        "course.yaml:19: modules[1].items[1]: is outside the course folder: ../secret.md",
        "course.yaml:20: modules[1].items[2]: must be a path relative to the course folder, "
        "not /etc/passwd.md",
        "course.yaml:21: modules[1].items[3]: is outside the course folder: lessons/link.md",
        "course.yaml:22: modules[1].items[4]: use / in paths, not \\: lessons\\01.md",
    ]


def test_a_file_may_be_listed_only_once(tmp_path: Path) -> None:
    course_yaml = COURSE_YAML.replace(
        "      - quizzes/final.yaml",
        "      - quizzes/final.yaml\n      - lessons/./01-que-es-la-ia.md",
    )

    assert errors_with(tmp_path, {"course.yaml": course_yaml}) == [
        "course.yaml:19: modules[1].items[1]: "
        "lessons/01-que-es-la-ia.md is already listed on line 12"
    ]


def test_a_course_has_at_most_one_final_quiz(tmp_path: Path) -> None:
    changes = replace("quizzes/01-que-es-la-ia.yaml", "kind: quiz", "kind: final")

    assert errors_with(tmp_path, changes) == [
        "quizzes/final.yaml:3: kind: a course has at most one final quiz, "
        "and quizzes/01-que-es-la-ia.yaml is already kind: final"
    ]


def test_final_min_score_needs_a_final_quiz(tmp_path: Path) -> None:
    changes = replace("quizzes/final.yaml", "kind: final", "kind: quiz")

    assert errors_with(tmp_path, changes) == [
        "course.yaml:22: completion.final_min_score: needs a quiz with kind: final"
    ]


def test_it_checks_completion_rules(tmp_path: Path) -> None:
    completion = """\
completion:
  lessons: some
  quizzes_min_score: 101
  final_min_score: "70"
  attendance_min_percent: 7.5
"""
    course_yaml = COURSE_YAML[: COURSE_YAML.index("completion:")] + completion

    assert errors_with(tmp_path, {"course.yaml": course_yaml}) == [
        "course.yaml:20: completion.lessons: "
        "the only value is 'all' (omit the key to drop the rule)",
        "course.yaml:21: completion.quizzes_min_score: must be a whole number from 0 to 100",
        "course.yaml:22: completion.final_min_score: must be a whole number from 0 to 100",
        "course.yaml:23: completion.attendance_min_percent: must be a whole number from 0 to 100",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("minutes: 8", "minutes: 0", "4: minutes: must be a whole number from 1 to 120"),
        ("minutes: 8", "minutes: 121", "4: minutes: must be a whole number from 1 to 120"),
        ("minutes: 8", "minutes: ocho", "4: minutes: must be a whole number from 1 to 120"),
        ("title: ¿Qué es la inteligencia artificial?", "title:", "3: title: must not be empty"),
        ("title: ¿Qué es la inteligencia artificial?", "title: [a, b]", "3: title: must be text"),
        ("id: m1-l1-que-es-la-ia\n", "", "2: missing required key 'id'"),
    ],
)
def test_it_checks_the_front_matter_of_lessons(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    changes = replace("lessons/01-que-es-la-ia.md", old, new)

    assert f"lessons/01-que-es-la-ia.md:{expected}" in errors_with(tmp_path, changes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Solo texto, sin front matter.\n", "1: a lesson starts with front matter"),
        ("---\nid: x\ntitle: y\n\nTexto.\n", "1: the front matter is not closed"),
        ("---\n---\nTexto.\n", "1: the front matter is empty: it needs id and title"),
        ("---\nid: x\ntitle: y\n---\n\n", "4: the lesson has no text after its front matter"),
        ("---\nid: x\ntitle: [y\n---\nTexto.\n", "4: YAML syntax error"),
        ("---\n- x\n---\nTexto.\n", "2: must be a mapping of keys (id, title, minutes)"),
    ],
)
def test_it_reports_broken_front_matter(tmp_path: Path, text: str, expected: str) -> None:
    found = errors_with(tmp_path, {"lessons/02-ia-en-el-peru.md": text})

    assert any(error.startswith(f"lessons/02-ia-en-el-peru.md:{expected}") for error in found), (
        found
    )


def test_it_reports_yaml_syntax_errors_at_their_line(tmp_path: Path) -> None:
    course_yaml = COURSE_YAML.replace("tracks: [ia-para-tu-negocio]", "tracks: [ia-para-tu-negocio")
    quiz = QUIZ_1.replace("    prompt: Ordena los pasos.", "    prompt: Ordena: los pasos: ya")

    found = errors_with(tmp_path / "a", {"course.yaml": course_yaml})
    assert len(found) == 1 and found[0].startswith("course.yaml:8: YAML syntax error: ")

    found = errors_with(tmp_path / "b", {"quizzes/01-que-es-la-ia.yaml": quiz})
    line = line_of("quizzes/01-que-es-la-ia.yaml", "    prompt: Ordena")
    assert found == [
        f"quizzes/01-que-es-la-ia.yaml:{line}: YAML syntax error: "
        "mapping values are not allowed here"
    ]


def test_it_refuses_yaml_aliases(tmp_path: Path) -> None:
    course_yaml = COURSE_YAML.replace(
        "title: IA para tu negocio", "title: &t IA para tu negocio"
    ).replace("title: Evaluación final", "title: *t")

    assert errors_with(tmp_path, {"course.yaml": course_yaml}) == [
        "course.yaml:16: YAML syntax error: aliases (*name) are not allowed in course files"
    ]


def test_deeply_nested_yaml_is_an_error_not_a_crash(tmp_path: Path) -> None:
    assert errors_with(tmp_path, {"quizzes/final.yaml": "[" * 50_000}) == [
        "quizzes/final.yaml:1: the YAML is nested too deeply"
    ]


def test_control_characters_in_yaml_are_reported_at_their_line(tmp_path: Path) -> None:
    quiz = FINAL.replace("Ñandú es", "Ñandú\x07 es")

    assert errors_with(tmp_path, {"quizzes/final.yaml": quiz}) == [
        "quizzes/final.yaml:8: character U+0007 is not allowed in YAML"
    ]


def test_it_reports_files_that_are_not_utf8(tmp_path: Path) -> None:
    latin1 = LESSON_2.replace("## Allinllachu", "## Año").encode("latin-1")

    assert errors_with(tmp_path, {"lessons/02-ia-en-el-peru.md": latin1}) == [
        "lessons/02-ia-en-el-peru.md:3: the file is not UTF-8 text: save it as UTF-8"
    ]


def test_it_accepts_a_utf8_byte_order_mark(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path, {"course.yaml": "\ufeff" + COURSE_YAML}))

    assert course.slug == "ia-para-tu-negocio"


def test_it_reports_empty_files(tmp_path: Path) -> None:
    found = errors_with(tmp_path, {"quizzes/final.yaml": "\n  \n", "course.yaml": COURSE_YAML})

    assert found == ["quizzes/final.yaml:1: the file is empty"]
    assert errors_with(tmp_path / "b", {"course.yaml": ""}) == ["course.yaml:1: the file is empty"]


def test_it_refuses_files_larger_than_one_megabyte(tmp_path: Path) -> None:
    big = LESSON_2 + "x" * MAX_FILE_BYTES

    assert errors_with(tmp_path, {"lessons/02-ia-en-el-peru.md": big}) == [
        f"lessons/02-ia-en-el-peru.md:1: the file is larger than 1 MB ({len(big.encode())} bytes)"
    ]


def test_a_missing_folder_or_course_yaml_is_an_error(tmp_path: Path) -> None:
    assert errors(tmp_path / "nope")[0].endswith("nope:1: no such course folder")
    assert errors(tmp_path) == ["course.yaml:1: no such file: course.yaml"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("slug: ia-para-tu-negocio", "slug: [a]", "1: slug: must be text"),
        ('version: "1.0"', "version: {a: 1}", "3: version: must be text"),
        ("tracks: [ia-para-tu-negocio]", "tracks: ia-para-tu-negocio", "7: tracks: must be a list"),
        ("tracks: [ia-para-tu-negocio]", "tracks: [a, a]", "7: tracks[1] 'a' is already listed"),
        ("modules:\n", "modules: uno\nx:\n", "8: modules: must be a list"),
        (
            "  - id: m2-evaluacion-final",
            "  - texto\n  - id: m2-evaluacion-final",
            "15: modules[1]:",
        ),
        (
            "      - quizzes/final.yaml",
            "      - {path: quizzes/final.yaml}",
            "18: modules[1].items[0]: must be text",
        ),
        ("completion:\n", "completion: [a]\nx:\n", "19: completion: must be a mapping of keys"),
        ("  lessons: all", "  lessons: [all]", "20: completion.lessons: must be text"),
        ("  lessons: all", "  [lessons]: all", "20: completion: a key must be plain text"),
    ],
)
def test_wrong_types_in_course_yaml_are_errors_not_crashes(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    found = errors_with(tmp_path, replace("course.yaml", old, new))

    assert any(error.startswith(f"course.yaml:{expected}") for error in found), found


def test_a_course_yaml_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    found = errors_with(tmp_path, {"course.yaml": "- a\n- b\n"})

    assert found == [
        "course.yaml:1: must be a mapping of keys "
        "(slug, title, version, language, summary, tracks, modules, completion)"
    ]


def question_errors(tmp_path: Path, question: str) -> list[str]:
    """Errors of a final quiz holding just ``question`` (YAML of one list entry)."""
    quiz = "id: final\ntitle: Final\nkind: final\nquestions:\n" + textwrap.indent(
        textwrap.dedent(question), "  "
    )
    return errors_with(tmp_path, {"quizzes/final.yaml": quiz})


BASE = """\
- id: q1
  prompt: ¿Sí?
  explanation: Porque sí.
"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "type: essay\n",
            "8: questions[0].type: unknown question type 'essay' "
            "(single, multiple, true_false, numeric, text, ordering)",
        ),
        (
            "type: single\noptions:\n- {id: a, text: A}\n- {id: b, text: B}\n",
            "10: questions[0].options: a single question needs exactly one option with "
            "correct: true (found 0)",
        ),
        (
            "type: single\noptions:\n- {id: a, text: A, correct: true}\n"
            "- {id: b, text: B, correct: true}\n",
            "10: questions[0].options: a single question needs exactly one option with "
            "correct: true (found 2)",
        ),
        (
            "type: multiple\noptions:\n- {id: a, text: A}\n- {id: b, text: B}\n",
            "10: questions[0].options: a multiple question needs at least one option with "
            "correct: true",
        ),
        (
            "type: single\noptions:\n- {id: a, text: A, correct: true}\n",
            "10: questions[0].options: needs at least 2 options",
        ),
        (
            "type: single\noptions:\n- {id: a, text: A, correct: si}\n- {id: b}\n",
            "10: questions[0].options[0].correct: must be true or false",
        ),
        (
            "type: single\noptions:\n- {id: a, text: A, correct: true}\n- {id: b}\n",
            "11: questions[0].options[1]: missing required key 'text'",
        ),
        ("type: single\n", "5: questions[0]: missing required key 'options'"),
        ("type: true_false\nanswer: 'true'\n", "9: questions[0].answer: must be true or false"),
        ("type: true_false\nanswer: 1\n", "9: questions[0].answer: must be true or false"),
        (
            "type: true_false\nanswer: true\noptions: []\n",
            "10: questions[0].options: not used by true_false questions",
        ),
        ("type: numeric\nanswer: '12,5'\n", "9: questions[0].answer: must be a number"),
        ("type: numeric\nanswer: .nan\n", "9: questions[0].answer: must be a number"),
        (
            "type: numeric\nanswer: 12\ntolerance: -1\n",
            "10: questions[0].tolerance: must be a number of at least 0",
        ),
        (
            "type: text\n",
            "5: questions[0]: a text question needs accept (a list of answers) and/or patterns "
            "(a list of regular expressions)",
        ),
        ("type: text\naccept: []\n", "5: questions[0]: accept and patterns are both empty"),
        ("type: text\naccept: lima\n", "9: questions[0].accept: must be a list"),
        ("type: text\naccept: ['  ']\n", "9: questions[0].accept[0]: must not be empty"),
        (
            "type: text\npatterns: ['(lima']\n",
            "9: questions[0].patterns[0]: not a valid regular expression: "
            "missing ), unterminated subpattern at position 0",
        ),
        (
            "type: text\npatterns: ['(a+)+']\n",
            "9: questions[0].patterns[0]: this pattern could make grading very slow: "
            "a repeated group contains another repetition, as in (a+)+",
        ),
        (
            f"type: text\npatterns: ['{'a' * 201}']\n",
            "9: questions[0].patterns[0]: a pattern is at most 200 characters long",
        ),
        (
            "type: ordering\nitems:\n- {id: a, text: A}\n",
            "10: questions[0].items: needs at least 2 items",
        ),
        (
            "type: ordering\nitems:\n- {id: a, text: A, correct: true}\n- {id: b, text: B}\n",
            "10: questions[0].items[0].correct: unknown key (expected one of: id, text)",
        ),
        (
            "type: single\npoints: 0\n",
            "9: questions[0].points: must be a whole number from 1 to 100",
        ),
        ("type: true_false\nanswer: true\nbonus: 1\n", "10: questions[0].bonus: unknown key"),
    ],
)
def test_it_checks_each_question_type(tmp_path: Path, question: str, expected: str) -> None:
    found = question_errors(tmp_path, BASE + textwrap.indent(question, "  "))

    assert any(error.startswith(f"quizzes/final.yaml:{expected}") for error in found), found


def test_a_question_needs_id_type_prompt_and_explanation(tmp_path: Path) -> None:
    found = question_errors(tmp_path, "- points: 2\n")

    assert found == [
        f"quizzes/final.yaml:5: questions[0]: missing required key '{key}'"
        for key in ("id", "type", "prompt", "explanation")
    ]


def test_it_checks_quiz_keys(tmp_path: Path) -> None:
    quiz = "id: final\ntitle: Final\nkind: examen\nmax_attempts: -1\nquestions: []\n"

    assert errors_with(tmp_path, {"quizzes/final.yaml": quiz}) == [
        "quizzes/final.yaml:3: kind: must be quiz or final, not 'examen'",
        "quizzes/final.yaml:4: max_attempts: must be a whole number of at least 0",
        "quizzes/final.yaml:5: questions: needs at least 1 question",
    ]


# --- Errors in lesson Markdown ----------------------------------------------------------------


def lesson_errors(tmp_path: Path, body: str) -> list[str]:
    lesson = "---\nid: m1-l2-ia-en-el-peru\ntitle: Perú\n---\nIntro.\n\n" + body
    return errors_with(tmp_path, {"lessons/02-ia-en-el-peru.md": lesson})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("![](../images/bodega.png)\n", "image ../images/bodega.png: alt text is required"),
        ("![  ](../images/bodega.png)\n", "image ../images/bodega.png: alt text is required"),
        (
            "![Una bodega](https://example.com/bodega.png)\n",
            "image https://example.com/bodega.png: remote images are not allowed "
            "(learners pay for data); put the file in the course folder",
        ),
        (
            "![Una bodega](//example.com/bodega.png)\n",
            "image //example.com/bodega.png: remote images are not allowed",
        ),
        (
            "![Una bodega](data:image/png;base64,AAAA)\n",
            "image data:image/png;base64,AAAA: an image must be a file in the course folder",
        ),
        (
            "![Una bodega](../images/nada.png)\n",
            "image ../images/nada.png: no such file: images/nada.png",
        ),
        (
            "![Una bodega](../../bodega.png)\n",
            "image ../../bodega.png: is outside the course folder: ../../bodega.png",
        ),
        ("![Un dibujo](../images/dibujo.svg)\n", "image ../images/dibujo.svg: must be a .png,"),
        ("Ver [la lección 9](09-nada.md).\n", "link 09-nada.md: no such file: lessons/09-nada.md"),
        (
            "Ver [esto](../course.yaml).\n",
            "link ../course.yaml: a relative link must point to a lesson (.md) of this course",
        ),
        ("Ver [ftp](ftp://example.com/a).\n", "link ftp://example.com/a: a link must be an http"),
        ("Ver [lección](lesson:m1).\n", "link lesson:m1: a link must be an http"),
    ],
)
def test_it_checks_images_and_links_at_their_line(tmp_path: Path, body: str, expected: str) -> None:
    found = lesson_errors(tmp_path, "Más texto.\n\n" + body)

    assert found[0].startswith(f"lessons/02-ia-en-el-peru.md:9: {expected}"), found


def test_the_line_of_a_link_is_found_inside_its_paragraph(tmp_path: Path) -> None:
    body = "Una línea.\nOtra línea.\nY aquí [el enlace](03.md).\n\n| a |\n|---|\n| ![](x.png) |\n"

    assert lesson_errors(tmp_path, body) == [
        "lessons/02-ia-en-el-peru.md:9: link 03.md: no such file: lessons/03.md",
        "lessons/02-ia-en-el-peru.md:13: image x.png: alt text is required: ![what the image "
        "shows](x.png)",
        "lessons/02-ia-en-el-peru.md:13: image x.png: no such file: lessons/x.png",
    ]


def test_a_link_to_a_file_that_is_not_listed_in_the_course_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "lessons").mkdir(parents=True)
    (tmp_path / "lessons" / "borrador.md").write_text(LESSON_2, encoding="utf-8")

    assert lesson_errors(tmp_path, "[b](borrador.md)\n") == [
        "lessons/02-ia-en-el-peru.md:7: link borrador.md: lessons/borrador.md is not a lesson "
        "of this course (not in course.yaml)"
    ]


def test_images_with_unicode_names_are_found(tmp_path: Path) -> None:
    course = load_course(
        write_course(
            tmp_path,
            {
                "images/año nuevo.png": PNG,
                "lessons/02-ia-en-el-peru.md": LESSON_2
                + "\n![Año nuevo](<../images/año nuevo.png>)\n",
            },
        )
    )

    lesson = course.lessons()[1]
    assert lesson.images == ("images/año nuevo.png",)
    assert 'src="images/a%C3%B1o%20nuevo.png"' in lesson.html
    resolved = resolve_lesson_html(lesson.html, lesson_url=str, asset_url=lambda p: f"/m/{p}")
    # The resolver gets the plain path; making it a URL is its job.
    assert 'src="/m/images/año nuevo.png"' in resolved


def test_images_larger_than_one_megabyte_are_refused(tmp_path: Path) -> None:
    found = errors_with(tmp_path, {"images/bodega.png": PNG + b"\0" * MAX_FILE_BYTES})

    assert found == [
        f"images/bodega.png:1: the file is larger than 1 MB ({len(PNG) + MAX_FILE_BYTES} bytes)"
    ]


# --- The content hash -------------------------------------------------------------------------


def test_the_same_content_has_the_same_hash(tmp_path: Path) -> None:
    first = load_course(write_course(tmp_path / "a"))
    second = load_course(write_course(tmp_path / "b"))
    os.utime(tmp_path / "b" / "course.yaml", (0, 0))
    third = load_course(tmp_path / "b")

    assert first.content_hash == second.content_hash == third.content_hash
    assert first == second


def test_reordering_keys_and_editing_comments_keeps_the_hash(tmp_path: Path) -> None:
    data = yaml.safe_load(COURSE_YAML)
    reordered = yaml.safe_dump(dict(reversed(list(data.items()))), allow_unicode=True)
    quiz = "# Un comentario\n" + QUIZ_1.replace("kind: quiz\n", "").replace(
        "id: m1-quiz\n", "kind: quiz\nid: m1-quiz  # el id\n"
    )

    original = load_course(write_course(tmp_path / "a")).content_hash
    changed = load_course(
        write_course(
            tmp_path / "b", {"course.yaml": reordered, "quizzes/01-que-es-la-ia.yaml": quiz}
        )
    ).content_hash

    assert original == changed


@pytest.mark.parametrize(
    "changes",
    [
        replace("lessons/02-ia-en-el-peru.md", "papa", "camote"),
        replace("quizzes/01-que-es-la-ia.yaml", "No. Esa decisión", "No, esa decisión"),
        replace("quizzes/final.yaml", "answer: true", "answer: false"),
        replace("course.yaml", "quizzes_min_score: 70", "quizzes_min_score: 60"),
        {"images/bodega.png": PNG + b"\0"},
    ],
)
def test_changing_a_word_a_rule_or_an_image_changes_the_hash(
    tmp_path: Path, changes: dict[str, str | bytes | None]
) -> None:
    original = load_course(write_course(tmp_path / "a")).content_hash
    changed = load_course(write_course(tmp_path / "b", changes)).content_hash

    assert original != changed


# --- Helpers shared with grading --------------------------------------------------------------


def test_normalize_text_ignores_case_accents_apostrophes_and_spacing() -> None:
    assert normalize_text("  PERÚ \n  es   Bonito ") == "peru es bonito"
    assert normalize_text("Ñandú") == "nandu"
    assert normalize_text("Ch’aska") == normalize_text("ch'aska") == "ch'aska"
    assert normalize_text("Allinllachu") == "allinllachu"


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        (r"(el )?per[uú]", True),
        (r"lima|cusco", True),
        (r"\d{1,3}( soles)?", True),
        (r"(a+)+", False),
        (r"(a|ab)*", False),
        (r"(\w+\s?)*", False),
        (r"(a)\1", False),
        (r"(?=(a+)+)a", False),
        (r"(?>(a+)+)", False),
    ],
)
def test_pattern_problem_refuses_patterns_that_can_take_exponential_time(
    pattern: str, ok: bool
) -> None:
    assert (pattern_problem(pattern) is None) is ok


# --- Robustness -------------------------------------------------------------------------------

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "title", "type", "questions", "options", "answer", "kind", "x"])
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=json_like, where=st.sampled_from(["course.yaml", "quizzes/final.yaml"]))
def test_any_yaml_document_gives_errors_never_an_exception(document: object, where: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_course(Path(folder), {where: yaml.safe_dump(document, allow_unicode=True)})
        try:
            result = load_course(root)
        except CourseErrors as exc:
            assert exc.errors and all(error.line >= 1 for error in exc.errors)
        else:
            assert isinstance(result, Course)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_any_lesson_text_gives_errors_or_a_lesson(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_course(Path(folder), {"lessons/02-ia-en-el-peru.md": text})
        try:
            course = load_course(root)
        except CourseErrors as exc:
            assert all(error.line >= 1 for error in exc.errors)
        else:
            assert isinstance(course.lessons()[1], Lesson)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.text(max_size=300))
def test_any_markdown_body_renders_without_scripts(body: str) -> None:
    lesson = "---\nid: m1-l2-ia-en-el-peru\ntitle: T\n---\n" + body + "\n<script>x</script>\n"
    with tempfile.TemporaryDirectory() as folder:
        root = write_course(Path(folder), {"lessons/02-ia-en-el-peru.md": lesson})
        try:
            course = load_course(root)
        except CourseErrors:
            return
        assert_harmless(course.lessons()[1].html)


def test_quiz_and_lesson_types_are_what_the_course_lists(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path))

    kinds = [type(item) for item in course.items()]

    assert kinds == [Lesson, Lesson, Quiz, Quiz]
