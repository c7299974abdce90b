"""Quizzes: a YAML file of questions, each type with its own keys, every one checked
(docs/course-format.md lists them)."""

from __future__ import annotations

from typing import Any, cast

import yaml

from yachay.learning.course_format.folder import _Folder
from yachay.learning.course_format.model import (
    MAX_ANSWER_LENGTH,
    MAX_POINTS,
    MAX_TITLE_LENGTH,
    QUESTION_TYPES,
    Option,
    Question,
    QuestionType,
    Quiz,
    QuizKind,
)
from yachay.learning.course_format.patterns import normalize_text, pattern_problem
from yachay.learning.course_format.yaml_reader import _index, _key, _Map, _Reader

_COMMON_KEYS = ("id", "type", "prompt", "explanation", "points")
_REQUIRED_KEYS = ("id", "type", "prompt", "explanation")
_TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single": ("options",),
    "multiple": ("options",),
    "true_false": ("answer", "feedback_true", "feedback_false"),
    "numeric": ("answer", "tolerance", "unit"),
    "text": ("accept", "patterns"),
    "ordering": ("items",),
}
_TYPE_REQUIRED: dict[str, tuple[str, ...]] = {
    "single": ("options",),
    "multiple": ("options",),
    "true_false": ("answer",),
    "numeric": ("answer",),
    "ordering": ("items",),
}
_ALL_TYPE_KEYS = tuple(dict.fromkeys(key for keys in _TYPE_KEYS.values() for key in keys))


class _Quizzes(_Folder):
    """Reads quizzes and their questions."""

    def read_quiz(self, path: str) -> tuple[Quiz | None, int | None]:
        """The quiz, and the line of its ``kind`` key."""
        text = self.read_text(path)
        if text is None:
            return None, None
        reader = _Reader(self.errors, path)
        node = reader.compose(text)
        if node is None:
            return None, None
        fields = reader.mapping(
            node,
            "",
            allowed=("id", "title", "kind", "max_attempts", "questions"),
            required=("id", "title", "questions"),
        )
        if fields is None:
            return None, None
        before = len(self.errors)
        quiz_id = title = None
        kind: QuizKind = "quiz"
        max_attempts = 3
        if (id_node := fields.get("id")) is not None:
            quiz_id = reader.ident(id_node, "id")
            if quiz_id is not None:
                self.claim_id(reader, id_node, "id", quiz_id)
        if (title_node := fields.get("title")) is not None:
            title = reader.text(title_node, "title", max_length=MAX_TITLE_LENGTH)
        if (kind_node := fields.get("kind")) is not None:
            value = reader.text(kind_node, "kind")
            if value == "final":
                kind = "final"
            elif value is not None and value != "quiz":
                reader.error(kind_node, f"kind: must be quiz or final, not '{value}'")
        if (attempts_node := fields.get("max_attempts")) is not None:
            max_attempts = reader.integer(attempts_node, "max_attempts", 0, None) or 0
        questions: list[Question] = []
        question_ids: dict[str, int] = {}
        if (questions_node := fields.get("questions")) is not None:
            for index, question_node in enumerate(
                reader.sequence(questions_node, "questions", min_items=1, what="question") or []
            ):
                question = self.read_question(
                    reader, question_node, _index("questions", index), question_ids
                )
                if question is not None:
                    questions.append(question)
        if len(self.errors) > before or quiz_id is None or title is None:
            return None, fields.key_lines.get("kind")
        quiz = Quiz(
            id=quiz_id,
            title=title,
            kind=kind,
            max_attempts=max_attempts,
            questions=tuple(questions),
            source_path=path,
        )
        return quiz, fields.key_lines.get("kind")

    def read_question(
        self, reader: _Reader, node: yaml.Node, path: str, question_ids: dict[str, int]
    ) -> Question | None:
        fields = reader.mapping(node, path, allowed=None)
        if fields is None:
            return None
        before = len(self.errors)
        qtype: QuestionType | None = None
        if (type_node := fields.get("type")) is not None:
            value = reader.text(type_node, _key(path, "type"))
            if value in QUESTION_TYPES:
                qtype = cast(QuestionType, value)
            elif value is not None:
                reader.error(
                    type_node,
                    f"{_key(path, 'type')}: unknown question type '{value}' "
                    f"({', '.join(QUESTION_TYPES)})",
                )
        own = _TYPE_KEYS[qtype] if qtype else ()
        for key, key_line in fields.key_lines.items():
            if key in _COMMON_KEYS or key in own:
                continue
            if key in _ALL_TYPE_KEYS:
                if qtype is not None:
                    reader.error(key_line, f"{_key(path, key)}: not used by {qtype} questions")
            else:
                expected = ", ".join((*_COMMON_KEYS, *(own or _ALL_TYPE_KEYS)))
                reader.error(
                    key_line, f"{_key(path, key)}: unknown key (expected one of: {expected})"
                )
        for key in (*_REQUIRED_KEYS, *_TYPE_REQUIRED.get(qtype or "", ())):
            if key not in fields.nodes:
                reader.error(node, f"{path}: missing required key '{key}'")

        def text(key: str, **kwargs: Any) -> str | None:
            value_node = fields.get(key)
            return (
                None if value_node is None else reader.text(value_node, _key(path, key), **kwargs)
            )

        question_id = None
        if (id_node := fields.get("id")) is not None:
            question_id = reader.ident(id_node, _key(path, "id"))
            if question_id is not None:
                if question_id in question_ids:
                    reader.error(
                        id_node,
                        f"{_key(path, 'id')} '{question_id}' is already used "
                        f"on line {question_ids[question_id]}",
                    )
                else:
                    question_ids[question_id] = reader.line(id_node)
        prompt = text("prompt")
        explanation = text("explanation")
        points = 1
        if (points_node := fields.get("points")) is not None:
            points = reader.integer(points_node, _key(path, "points"), 1, MAX_POINTS) or 1

        extra: dict[str, Any] = {}
        if qtype in ("single", "multiple"):
            extra["options"] = self.read_options(reader, fields, path, qtype)
        elif qtype == "ordering":
            extra["items"] = self.read_options(reader, fields, path, qtype)
        elif qtype == "true_false":
            if (answer_node := fields.get("answer")) is not None:
                extra["answer"] = reader.boolean(answer_node, _key(path, "answer"))
            extra["feedback_true"] = text("feedback_true", empty_ok=True) or ""
            extra["feedback_false"] = text("feedback_false", empty_ok=True) or ""
        elif qtype == "numeric":
            if (answer_node := fields.get("answer")) is not None:
                extra["answer"] = reader.number(answer_node, _key(path, "answer"))
            if (tolerance_node := fields.get("tolerance")) is not None:
                extra["tolerance"] = reader.number(tolerance_node, _key(path, "tolerance"), low=0)
            extra["unit"] = text("unit", empty_ok=True) or ""
        elif qtype == "text":
            extra.update(self.read_text_answers(reader, node, fields, path))

        if len(self.errors) > before or qtype is None:
            return None
        if question_id is None or prompt is None or explanation is None:
            return None
        return Question(
            id=question_id,
            type=qtype,
            prompt=prompt,
            explanation=explanation,
            points=points,
            **extra,
        )

    def read_options(
        self, reader: _Reader, fields: _Map, path: str, qtype: str
    ) -> tuple[Option, ...]:
        key = "items" if qtype == "ordering" else "options"
        node = fields.get(key)
        if node is None:
            return ()
        list_path = _key(path, key)
        allowed = ("id", "text") if qtype == "ordering" else ("id", "text", "correct", "feedback")
        options: list[Option] = []
        seen: dict[str, int] = {}
        option_nodes = reader.sequence(node, list_path, min_items=2, what=key) or []
        for index, option_node in enumerate(option_nodes):
            o_path = _index(list_path, index)
            option_fields = reader.mapping(
                option_node, o_path, allowed=allowed, required=("id", "text")
            )
            if option_fields is None:
                continue
            option_id = option_text = None
            correct = False
            feedback = ""
            if (id_node := option_fields.get("id")) is not None:
                option_id = reader.ident(id_node, _key(o_path, "id"))
                if option_id is not None:
                    if option_id in seen:
                        reader.error(
                            id_node,
                            f"{_key(o_path, 'id')} '{option_id}' is already used "
                            f"on line {seen[option_id]}",
                        )
                    else:
                        seen[option_id] = reader.line(id_node)
            if (text_node := option_fields.get("text")) is not None:
                option_text = reader.text(text_node, _key(o_path, "text"))
            if (correct_node := option_fields.get("correct")) is not None:
                correct = bool(reader.boolean(correct_node, _key(o_path, "correct")))
            if (feedback_node := option_fields.get("feedback")) is not None:
                feedback = reader.text(feedback_node, _key(o_path, "feedback"), empty_ok=True) or ""
            if option_id is not None and option_text is not None:
                options.append(Option(option_id, option_text, correct, feedback))
        correct_count = sum(option.correct for option in options)
        if qtype == "single" and len(options) == len(option_nodes) and correct_count != 1:
            reader.error(
                node,
                f"{list_path}: a single question needs exactly one option with correct: true "
                f"(found {correct_count})",
            )
        if qtype == "multiple" and len(options) == len(option_nodes) and correct_count < 1:
            reader.error(
                node,
                f"{list_path}: a multiple question needs at least one option with correct: true",
            )
        return tuple(options)

    def read_text_answers(
        self, reader: _Reader, node: yaml.Node, fields: _Map, path: str
    ) -> dict[str, tuple[str, ...]]:
        before = len(self.errors)
        accept: list[str] = []
        patterns: list[str] = []
        if (accept_node := fields.get("accept")) is not None:
            for index, value_node in enumerate(
                reader.sequence(accept_node, _key(path, "accept")) or []
            ):
                a_path = _index(_key(path, "accept"), index)
                value = reader.text(value_node, a_path, max_length=MAX_ANSWER_LENGTH)
                if value is None:
                    continue
                if not normalize_text(value):
                    reader.error(value_node, f"{a_path}: must not be empty")
                    continue
                accept.append(value)
        if (patterns_node := fields.get("patterns")) is not None:
            for index, value_node in enumerate(
                reader.sequence(patterns_node, _key(path, "patterns")) or []
            ):
                p_path = _index(_key(path, "patterns"), index)
                value = reader.text(value_node, p_path)
                if value is None:
                    continue
                trouble = pattern_problem(value)
                if trouble:
                    reader.error(value_node, f"{p_path}: {trouble}")
                    continue
                patterns.append(value)
        if "accept" not in fields.nodes and "patterns" not in fields.nodes:
            reader.error(
                node,
                f"{path}: a text question needs accept (a list of answers) and/or patterns "
                "(a list of regular expressions)",
            )
        elif not accept and not patterns and len(self.errors) == before:
            reader.error(node, f"{path}: accept and patterns are both empty")
        return {"accept": tuple(accept), "patterns": tuple(patterns)}
