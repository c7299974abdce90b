"""Course as code: read a course folder (YAML + Markdown) into plain, frozen data.

The format is specified in ``docs/course-format.md``; in short::

    course.yaml            slug, title, version, language, summary, tracks,
                           modules (each: id, title, items = paths of lessons and quizzes),
                           completion rules
    lessons/*.md           YAML front matter (id, title, minutes) + CommonMark with tables
    quizzes/*.yaml         id, title, kind (quiz | final), max_attempts, questions
    images/*               images referenced by lessons, by relative path

:func:`load_course` reads a folder and returns a :class:`Course`, or raises
:class:`CourseErrors` listing *every* problem it found, each with the file (relative to the
course folder) and the 1-based line it is on. Nothing here touches the database or Django: the
importer (a service) turns a :class:`Course` into rows.

Error messages name the place in the file as a path of keys and 0-based list positions
(``modules[2].items[1]: no such file: lessons/07.md``), after the line number.

Lesson HTML
===========

A lesson's Markdown is rendered with markdown-it-py (CommonMark + tables, raw HTML escaped,
not rendered) and then sanitised with nh3, so ``<script>``, ``on…=`` attributes and
``javascript:`` links never reach a learner. Level-1 headings become ``<h2>`` (the lesson's
title is the page's ``<h1>``) and levels 5–6 become ``<h4>``.

References to other files are checked at load time and written into the HTML in a form the
web layer resolves with :func:`resolve_lesson_html`:

* an image ``![alt](../images/bodega.png)`` keeps a ``src`` that is the image's path relative
  to the *course folder* (``images/bodega.png``, percent-encoded), and the lesson lists those
  paths in :attr:`Lesson.images` so the importer knows which files to publish;
* a link to another lesson ``[texto](02-ia-en-el-peru.md)`` becomes ``href="lesson:<id>"``
  (plus ``#fragment`` if the link had one). The ``lesson:`` scheme is ours: the sanitiser is
  told to keep it, and authors cannot write it themselves, because every link an author writes
  must be ``http``, ``https``, ``mailto``, a ``#fragment`` or a ``.md`` lesson of the course.
  Pointing at the lesson's *id* (not its file) keeps links valid across versions of the course,
  since learners' progress and URLs are keyed by id too.

:func:`resolve_lesson_html` maps both with callables given by the web layer and sanitises the
result again, so a resolved page only ever holds ``http``/``https``/``mailto``/relative URLs.

Content hash
============

:attr:`Course.content_hash` is a SHA-256 over a canonical JSON serialisation of the parsed
course (every field of every dataclass, keys sorted) plus the SHA-256 of the bytes of every
image a lesson uses. It depends on what the course *says*, not on how the YAML is laid out:
reordering keys, changing comments or touching a file's mtime keeps the hash; changing a word,
an option, a rule or an image's bytes changes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias, cast
from urllib.parse import quote, unquote, urlsplit

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

# The private modules behind ``re.compile``: the only parser of Python's own regex syntax
# (present in 3.11–3.13), used to refuse patterns whose matching time can explode. Loaded
# by name: typeshed may or may not describe them, depending on what else is checked.
_sre_constants: Any = importlib.import_module("re._constants")
_sre_parser: Any = importlib.import_module("re._parser")

__all__ = [
    "FORMAT_VERSION",
    "IMAGE_SUFFIXES",
    "LANGUAGES",
    "MAX_ANSWER_LENGTH",
    "MAX_FILE_BYTES",
    "MAX_PATTERN_LENGTH",
    "QUESTION_TYPES",
    "CompletionRules",
    "Course",
    "CourseError",
    "CourseErrors",
    "Item",
    "Lesson",
    "Module",
    "Option",
    "Question",
    "QuestionType",
    "Quiz",
    "compile_pattern",
    "load_course",
    "normalize_text",
    "pattern_problem",
    "resolve_lesson_html",
    "sanitize_html",
]

FORMAT_VERSION = 1
MAX_FILE_BYTES = 1024 * 1024
MAX_PATTERN_LENGTH = 200
MAX_ANSWER_LENGTH = 1000
MAX_TITLE_LENGTH = 200
MAX_VERSION_LENGTH = 50
MAX_POINTS = 100
LANGUAGES = ("es", "en")
QUESTION_TYPES = ("single", "multiple", "true_false", "numeric", "text", "ordering")
QuestionType: TypeAlias = Literal["single", "multiple", "true_false", "numeric", "text", "ordering"]
QuizKind: TypeAlias = Literal["quiz", "final"]
# No SVG: an SVG opened at its own URL runs its scripts on our origin.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
LESSON_SCHEME = "lesson"

_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
_COURSE_FILE = "course.yaml"


# --- The parsed course ------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseError:
    """One problem in a course folder. ``file`` is relative to the course folder."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class CourseErrors(Exception):
    """Every problem found in a course folder, in file order, then line order."""

    def __init__(self, errors: Sequence[CourseError]) -> None:
        self.errors: tuple[CourseError, ...] = tuple(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


@dataclass(frozen=True)
class Option:
    """An option of a single/multiple question, or an item of an ordering question."""

    id: str
    text: str
    correct: bool = False
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    """One question. Which fields matter depends on ``type`` (see docs/course-format.md).

    ``answer`` is a bool for ``true_false`` and a float for ``numeric``; ``items`` holds an
    ordering question's items in the correct order.
    """

    id: str
    type: QuestionType
    prompt: str
    explanation: str
    points: int = 1
    options: tuple[Option, ...] = ()
    answer: bool | float | None = None
    tolerance: float = 0.0
    unit: str = ""
    accept: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    items: tuple[Option, ...] = ()
    feedback_true: str = ""
    feedback_false: str = ""


@dataclass(frozen=True)
class Lesson:
    """A lesson: sanitised HTML (see the module docstring for its links and images)."""

    id: str
    title: str
    minutes: int | None
    html: str
    source_path: str
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    kind: QuizKind
    max_attempts: int  # 0 = unlimited
    questions: tuple[Question, ...]
    source_path: str

    def points_possible(self) -> int:
        return sum(question.points for question in self.questions)


Item: TypeAlias = Lesson | Quiz


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class CompletionRules:
    """Rules that must all hold for a learner to complete the course; ``None`` = no rule."""

    lessons_all: bool = False
    quizzes_min_score: int | None = None
    final_min_score: int | None = None
    attendance_min_percent: int | None = None


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    version: str
    language: str
    summary: str
    tracks: tuple[str, ...]
    modules: tuple[Module, ...]
    completion: CompletionRules
    content_hash: str

    def items(self) -> Iterator[Item]:
        for module in self.modules:
            yield from module.items

    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(item for item in self.items() if isinstance(item, Lesson))

    def quizzes(self) -> tuple[Quiz, ...]:
        """Every quiz, the final assessment included, in course order."""
        return tuple(item for item in self.items() if isinstance(item, Quiz))

    def final_quiz(self) -> Quiz | None:
        return next((quiz for quiz in self.quizzes() if quiz.kind == "final"), None)

    def activity_ids(self) -> tuple[str, ...]:
        """Ids of the lessons and quizzes, in the order learners meet them."""
        return tuple(item.id for item in self.items())


# --- Text and patterns, shared with grading ---------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})


def normalize_text(text: str) -> str:
    """The form in which text answers are compared: trimmed, case and accents ignored.

    NFKD then dropping combining marks removes accents (``Perú`` → ``peru``, ``Ñ`` → ``n``);
    typographic apostrophes become ``'`` (Quechua: ``ch’aska`` = ``ch'aska``); runs of
    whitespace become one space.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(_APOSTROPHES).casefold().split())


def _strip_accents(pattern: str) -> str:
    decomposed = unicodedata.normalize("NFKD", pattern)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a text question's pattern for matching against :func:`normalize_text` output.

    Accents are removed from the pattern too (an author may write ``per[uú]`` or ``perú``);
    case is ignored with ``re.IGNORECASE`` rather than by case-folding the pattern, which would
    change escapes such as ``\\S`` into ``\\s``.
    """
    return re.compile(_strip_accents(pattern).translate(_APOSTROPHES), re.IGNORECASE)


_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(_sre_constants, "POSSESSIVE_REPEAT", None)
if _POSSESSIVE is not None:
    _REPEATS.add(_POSSESSIVE)


def _risky(parsed: Any, in_repeat: bool) -> str | None:
    """Why a parsed pattern may take exponential time, or None. Conservative, not a proof."""
    for op, arg in parsed:
        if op in _REPEATS:
            _low, high, sub = arg
            repeats = high > 1
            if repeats and in_repeat:
                return "a repeated group contains another repetition, as in (a+)+"
            found = _risky(sub, in_repeat or repeats)
            if found:
                return found
        elif op is _sre_constants.BRANCH:
            if in_repeat:
                return "a repeated group contains alternatives (|), as in (a|ab)+"
            for branch in arg[1]:
                found = _risky(branch, in_repeat)
                if found:
                    return found
        elif op is _sre_constants.SUBPATTERN:
            found = _risky(arg[-1], in_repeat)
            if found:
                return found
        elif op in (_sre_constants.GROUPREF, _sre_constants.GROUPREF_EXISTS):
            return "back-references (\\1) are not supported"
        elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
            found = _risky(arg[1], in_repeat)
            if found:
                return found
        elif op is getattr(_sre_constants, "ATOMIC_GROUP", None):
            found = _risky(arg, in_repeat)
            if found:
                return found
    return None


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a text question's pattern, or None if it may be used.

    A pattern must be at most :data:`MAX_PATTERN_LENGTH` characters, compile, and avoid the
    shapes that make a backtracking matcher take exponential time (nested repetition,
    alternatives inside a repetition, back-references). With answers capped at
    :data:`MAX_ANSWER_LENGTH` characters, that keeps grading fast.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern is at most {MAX_PATTERN_LENGTH} characters long"
    try:
        compile_pattern(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    try:
        parsed = _sre_parser.parse(_strip_accents(pattern), re.IGNORECASE)
    except Exception:  # pragma: no cover - it compiled just above
        return "not a valid regular expression"
    risk = _risky(parsed, in_repeat=False)
    if risk:
        return f"this pattern could make grading very slow: {risk}"
    return None


# --- HTML ---------------------------------------------------------------------------------------

_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "hr",
    "br",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


def _clean(
    html: str, schemes: set[str], attribute_filter: Callable[[str, str, str], str | None] | None
) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        url_schemes=schemes,
        filter_style_properties={"text-align"},  # table column alignment, nothing else
        attribute_filter=attribute_filter,
    )


def sanitize_html(html: str) -> str:
    """Keep only the tags, attributes and URL schemes a lesson may use (http, https, mailto,
    relative)."""
    return _clean(html, _URL_SCHEMES, None)


def resolve_lesson_html(
    html: str,
    *,
    lesson_url: Callable[[str], str],
    asset_url: Callable[[str], str],
) -> str:
    """Turn a :attr:`Lesson.html` into the HTML a learner gets.

    ``lesson_url(lesson_id)`` gives the URL of a lesson (``lesson:<id>`` links);
    ``asset_url(path)`` gives the URL of an image from its plain (not percent-encoded)
    course-relative path, one of :attr:`Lesson.images`. The result is sanitised again, so a
    resolver returning a ``javascript:`` URL cannot harm anyone.
    """

    def resolve(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href" and value.startswith(f"{LESSON_SCHEME}:"):
            lesson_id, _, fragment = value[len(LESSON_SCHEME) + 1 :].partition("#")
            return lesson_url(lesson_id) + (f"#{fragment}" if fragment else "")
        if tag == "img" and attribute == "src":
            return asset_url(unquote(value))
        return value

    # nh3 checks URL schemes before it calls the filter, hence the second pass.
    return sanitize_html(_clean(html, _URL_SCHEMES | {LESSON_SCHEME}, resolve))


# --- Reading YAML with line numbers -----------------------------------------------------------


class _NoAliasLoader(yaml.SafeLoader):
    """Refuses aliases: course files have no use for them, and they let a small file expand
    into a huge tree (the "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in course files", event.start_mark
            )
        return super().compose_node(parent, index)


_TAG = "tag:yaml.org,2002:"


def _at(path: str, message: str) -> str:
    return f"{path}: {message}" if path else message


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _index(path: str, index: int) -> str:
    return f"{path}[{index}]"


@dataclass
class _Map:
    """A mapping node read into its keys, with the line of each key."""

    line: int
    nodes: dict[str, yaml.Node]
    key_lines: dict[str, int]

    def get(self, key: str) -> yaml.Node | None:
        return self.nodes.get(key)


class _Reader:
    """Reads the nodes of one file, reporting wrong shapes and values as CourseErrors."""

    def __init__(self, errors: list[CourseError], name: str, offset: int = 0) -> None:
        self.errors = errors
        self.name = name
        self.offset = offset  # lines of the file before the YAML text (front matter: 1)
        self._constructor = yaml.constructor.SafeConstructor()

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + 1 + self.offset

    def error(self, where: yaml.Node | int, message: str) -> None:
        line = where if isinstance(where, int) else self.line(where)
        self.errors.append(CourseError(self.name, line, message))

    def compose(self, text: str) -> yaml.Node | None:
        """The document's root node, or None (after reporting why) if there is none."""
        try:
            node = yaml.compose(text, Loader=_NoAliasLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + 1 + self.offset if mark is not None else 1 + self.offset
            problem = exc.problem or "invalid YAML"
            context = f" ({exc.context})" if exc.context else ""
            self.error(line, f"YAML syntax error: {problem}{context}")
            return None
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1 + self.offset
            self.error(line, f"character U+{exc.character:04X} is not allowed in YAML")
            return None
        except RecursionError:
            self.error(1 + self.offset, "the YAML is nested too deeply")
            return None
        except yaml.YAMLError as exc:  # pragma: no cover - every YAMLError above is marked
            self.error(1 + self.offset, f"YAML error: {exc}")
            return None
        return node

    def mapping(
        self,
        node: yaml.Node,
        path: str,
        *,
        allowed: Sequence[str] | None,
        required: Sequence[str] = (),
    ) -> _Map | None:
        """Read a mapping; unknown (if ``allowed`` is given), duplicate, missing keys are
        errors. Unknown keys are left out of the result."""
        if not isinstance(node, yaml.MappingNode):
            expected = f" ({', '.join(allowed)})" if allowed else ""
            self.error(node, _at(path, f"must be a mapping of keys{expected}"))
            return None
        result = _Map(self.line(node), {}, {})
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, _at(path, "a key must be plain text"))
                continue
            key = str(key_node.value)
            if key in result.nodes:
                first = result.key_lines[key]
                self.error(key_node, f"{_key(path, key)}: duplicate key (first on line {first})")
                continue
            if allowed is not None and key not in allowed:
                self.error(
                    key_node,
                    f"{_key(path, key)}: unknown key (expected one of: {', '.join(allowed)})",
                )
                continue
            result.nodes[key] = value_node
            result.key_lines[key] = self.line(key_node)
        for key in required:
            if key not in result.nodes:
                self.error(node, _at(path, f"missing required key '{key}'"))
        return result

    def sequence(
        self, node: yaml.Node, path: str, *, min_items: int = 0, what: str = "items"
    ) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, _at(path, "must be a list"))
            return None
        if len(node.value) < min_items:
            self.error(node, _at(path, f"needs at least {min_items} {what}"))
        return list(node.value)

    def text(
        self, node: yaml.Node, path: str, *, max_length: int | None = None, empty_ok: bool = False
    ) -> str | None:
        """A scalar's text, as written: ``title: No`` is the text "No", not a boolean."""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, _at(path, "must be text"))
            return None
        value = "" if node.tag == _TAG + "null" else str(node.value).strip()
        if not value and not empty_ok:
            self.error(node, _at(path, "must not be empty"))
            return None
        if max_length is not None and len(value) > max_length:
            self.error(
                node, _at(path, f"is too long ({len(value)} characters, at most {max_length})")
            )
            return None
        return value

    def ident(self, node: yaml.Node, path: str) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        if not _ID_RE.fullmatch(value):
            self.error(
                node,
                _at(
                    path,
                    f"'{value}' is not a valid id: use lowercase letters, digits and hyphens, "
                    "starting with a letter or digit, at most 60 characters",
                ),
            )
            return None
        return value

    def _construct(self, node: yaml.Node) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return None

    def integer(self, node: yaml.Node, path: str, low: int, high: int | None) -> int | None:
        value = (
            self._construct(node)
            if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "int"
            else None
        )
        if not isinstance(value, int) or value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"of at least {low}"
            self.error(node, _at(path, f"must be a whole number {span}"))
            return None
        return value

    def boolean(self, node: yaml.Node, path: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "bool":
            value = self._construct(node)
            if isinstance(value, bool):
                return value
        self.error(node, _at(path, "must be true or false"))
        return None

    def number(self, node: yaml.Node, path: str, *, low: float | None = None) -> float | None:
        value = None
        if isinstance(node, yaml.ScalarNode) and node.tag in (_TAG + "int", _TAG + "float"):
            value = self._construct(node)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if math.isfinite(number) and (low is None or number >= low):
                return number
        bound = f" of at least {low:g}" if low is not None else ""
        self.error(node, _at(path, f"must be a number{bound}"))
        return None


# --- Loading a course -------------------------------------------------------------------------


@dataclass
class _ItemRef:
    """An item of a module, as listed in course.yaml."""

    path: str  # normalised, course-relative


@dataclass
class _LessonDraft:
    path: str
    id: str | None
    title: str | None
    minutes: int | None
    body: str
    body_offset: int  # lines before the body in the file
    html: str = ""
    images: tuple[str, ...] = ()


@dataclass
class _ModuleDraft:
    id: str | None
    title: str | None
    items: list[_ItemRef]


def load_course(path: Path | str) -> Course:
    """Read and check the course in folder ``path`` (or its ``course.yaml``).

    Raises :class:`CourseErrors` with every problem found; nothing is partially returned.
    """
    return _CourseLoader(Path(path)).load()


class _CourseLoader:
    def __init__(self, path: Path) -> None:
        if path.name == _COURSE_FILE and path.is_file():
            path = path.parent
        self.root = path
        self.real_root = path.resolve()
        self.errors: list[CourseError] = []
        self.file_rank: dict[str, int] = {_COURSE_FILE: 0}
        # id -> (file, line) of its first use, for module, lesson and quiz ids
        self.ids: dict[str, tuple[str, int]] = {}
        self.assets: dict[str, bytes] = {}
        self.quiz_failures = 0  # listed quizzes that could not be read

    # files

    def error(self, file: str, line: int, message: str) -> None:
        self.errors.append(CourseError(file, line, message))

    def resolve(self, base: str, raw: str) -> tuple[str | None, str | None]:
        """(course-relative path, None) for a relative reference ``raw`` made from folder
        ``base``, or (None, problem)."""
        if not raw:
            return None, "the path is empty"
        if "\\" in raw:
            return None, f"use / in paths, not \\: {raw}"
        if raw.startswith("/") or re.match(r"[A-Za-z]:", raw):
            return None, f"must be a path relative to the course folder, not {raw}"
        normal = posixpath.normpath(posixpath.join(base, raw))
        if normal == ".." or normal.startswith("../"):
            return None, f"is outside the course folder: {raw}"
        full = self.root / normal
        try:
            if not full.is_file():
                return None, f"no such file: {normal}"
            if not full.resolve().is_relative_to(self.real_root):
                return None, f"is outside the course folder: {raw}"
        except (OSError, ValueError):
            return None, f"no such file: {normal}"
        return normal, None

    def read(self, name: str) -> bytes | None:
        try:
            with (self.root / name).open("rb") as file:
                data = file.read(MAX_FILE_BYTES + 1)  # never more, whatever the file's size
                size = os.fstat(file.fileno()).st_size
        except (OSError, ValueError) as exc:
            self.error(name, 1, f"cannot read the file: {exc.__class__.__name__}")
            return None
        if len(data) > MAX_FILE_BYTES:
            self.error(name, 1, f"the file is larger than 1 MB ({size} bytes)")
            return None
        return data

    def read_text(self, name: str) -> str | None:
        data = self.read(name)
        if data is None:
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self.error(name, line, "the file is not UTF-8 text: save it as UTF-8")
            return None
        if not text.strip():
            self.error(name, 1, "the file is empty")
            return None
        return text

    def claim_id(self, reader: _Reader, node: yaml.Node, path: str, value: str) -> None:
        """Module, lesson and quiz ids are unique within the course."""
        first = self.ids.get(value)
        if first is None:
            self.ids[value] = (reader.name, reader.line(node))
            return
        file, line = first
        where = f"on line {line}" if file == reader.name else f"by {file}"
        reader.error(node, f"{path} '{value}' is already used {where}")

    # course.yaml

    def load(self) -> Course:
        if not self.root.is_dir():
            raise CourseErrors([CourseError(str(self.root), 1, "no such course folder")])
        if not (self.root / _COURSE_FILE).is_file():
            raise CourseErrors([CourseError(_COURSE_FILE, 1, "no such file: course.yaml")])
        course = self.load_course_file()
        if self.errors or course is None:
            raise CourseErrors(self.sorted_errors())
        return course

    def sorted_errors(self) -> list[CourseError]:
        unique = list(dict.fromkeys(self.errors))
        last = len(self.file_rank)
        return sorted(unique, key=lambda e: (self.file_rank.get(e.file, last), e.line))

    def load_course_file(self) -> Course | None:
        text = self.read_text(_COURSE_FILE)
        if text is None:
            return None
        reader = _Reader(self.errors, _COURSE_FILE)
        root = reader.compose(text)
        if root is None:
            return None
        keys = ("slug", "title", "version", "language", "summary", "tracks", "modules")
        top = reader.mapping(
            root,
            "",
            allowed=(*keys, "completion"),
            required=("slug", "title", "version", "language", "modules"),
        )
        if top is None:
            return None

        def field(key: str, read: Callable[[yaml.Node, str], Any]) -> Any:
            node = top.get(key)
            return None if node is None else read(node, key)

        slug = field("slug", reader.ident)
        title = field("title", lambda n, p: reader.text(n, p, max_length=MAX_TITLE_LENGTH))
        version = field("version", lambda n, p: reader.text(n, p, max_length=MAX_VERSION_LENGTH))
        language = field("language", reader.text)
        if language is not None and language not in LANGUAGES:
            reader.error(top.nodes["language"], f"language: must be {' or '.join(LANGUAGES)}")
        summary = field("summary", lambda n, p: reader.text(n, p, empty_ok=True)) or ""
        tracks = self.read_tracks(reader, top.get("tracks"))
        modules = self.read_modules(reader, top.get("modules"))
        completion, final_line = self.read_completion(reader, top.get("completion"))

        items = self.load_items(modules)
        finals = [
            item for item in items.values() if isinstance(item, Quiz) and item.kind == "final"
        ]
        # A quiz that failed to load might be the final: only say what is certain.
        if (
            completion.final_min_score is not None
            and not finals
            and final_line is not None
            and not self.quiz_failures
        ):
            reader.error(final_line, "completion.final_min_score: needs a quiz with kind: final")

        if self.errors or slug is None or title is None or version is None or language is None:
            return None
        course = Course(
            slug=slug,
            title=title,
            version=version,
            language=language,
            summary=summary,
            tracks=tracks,
            modules=tuple(
                Module(
                    id=str(module.id),
                    title=str(module.title),
                    items=tuple(items[ref.path] for ref in module.items),
                )
                for module in modules
            ),
            completion=completion,
            content_hash="",
        )
        return dataclasses.replace(course, content_hash=self.hash(course))

    def read_tracks(self, reader: _Reader, node: yaml.Node | None) -> tuple[str, ...]:
        if node is None:
            return ()
        tracks: dict[str, int] = {}
        for index, track_node in enumerate(reader.sequence(node, "tracks") or []):
            path = _index("tracks", index)
            track = reader.ident(track_node, path)
            if track is None:
                continue
            if track in tracks:
                reader.error(
                    track_node, f"{path} '{track}' is already listed on line {tracks[track]}"
                )
                continue
            tracks[track] = reader.line(track_node)
        return tuple(tracks)

    def read_modules(self, reader: _Reader, node: yaml.Node | None) -> list[_ModuleDraft]:
        if node is None:
            return []
        modules: list[_ModuleDraft] = []
        listed: dict[str, int] = {}  # item path -> line in course.yaml
        for m_index, module_node in enumerate(
            reader.sequence(node, "modules", min_items=1, what="module") or []
        ):
            m_path = _index("modules", m_index)
            fields = reader.mapping(
                module_node,
                m_path,
                allowed=("id", "title", "items"),
                required=("id", "title", "items"),
            )
            if fields is None:
                continue
            module = _ModuleDraft(None, None, [])
            if (id_node := fields.get("id")) is not None:
                module.id = reader.ident(id_node, _key(m_path, "id"))
                if module.id is not None:
                    self.claim_id(reader, id_node, _key(m_path, "id"), module.id)
            if (title_node := fields.get("title")) is not None:
                module.title = reader.text(
                    title_node, _key(m_path, "title"), max_length=MAX_TITLE_LENGTH
                )
            items_node = fields.get("items")
            item_nodes = (
                reader.sequence(items_node, _key(m_path, "items"), min_items=1, what="item")
                if items_node is not None
                else None
            )
            for i_index, item_node in enumerate(item_nodes or []):
                i_path = _index(_key(m_path, "items"), i_index)
                raw = reader.text(item_node, i_path)
                if raw is None:
                    continue
                line = reader.line(item_node)
                if not (raw.endswith(".md") or raw.endswith(".yaml")):
                    reader.error(line, f"{i_path}: must be a .md lesson or a .yaml quiz: {raw}")
                    continue
                normal, problem = self.resolve("", raw)
                if normal is None:
                    reader.error(line, f"{i_path}: {problem}")
                    self.quiz_failures += raw.endswith(".yaml")
                    continue
                if normal in listed:
                    reader.error(
                        line, f"{i_path}: {normal} is already listed on line {listed[normal]}"
                    )
                    continue
                listed[normal] = line
                self.file_rank.setdefault(normal, len(self.file_rank))
                module.items.append(_ItemRef(normal))
            modules.append(module)
        return modules

    def read_completion(
        self, reader: _Reader, node: yaml.Node | None
    ) -> tuple[CompletionRules, int | None]:
        """The rules, and the line of final_min_score (checked once quizzes are read)."""
        if node is None:
            return CompletionRules(), None
        scores = ("quizzes_min_score", "final_min_score", "attendance_min_percent")
        fields = reader.mapping(node, "completion", allowed=("lessons", *scores))
        if fields is None:
            return CompletionRules(), None
        lessons_all = False
        if (lessons_node := fields.get("lessons")) is not None:
            value = reader.text(lessons_node, "completion.lessons")
            if value == "all":
                lessons_all = True
            elif value is not None:
                reader.error(
                    lessons_node,
                    "completion.lessons: the only value is 'all' (omit the key to drop the rule)",
                )
        values: dict[str, int | None] = {}
        for key in scores:
            score_node = fields.get(key)
            values[key] = (
                None
                if score_node is None
                else reader.integer(score_node, f"completion.{key}", 0, 100)
            )
        final_line = fields.key_lines.get("final_min_score")
        return (
            CompletionRules(
                lessons_all=lessons_all,
                quizzes_min_score=values["quizzes_min_score"],
                final_min_score=values["final_min_score"],
                attendance_min_percent=values["attendance_min_percent"],
            ),
            final_line,
        )

    # items

    def load_items(self, modules: list[_ModuleDraft]) -> dict[str, Item]:
        """Read every listed lesson and quiz; returns them by path (only those without errors
        matter: any error stops the import)."""
        refs = [ref for module in modules for ref in module.items]
        lessons: dict[str, _LessonDraft] = {}
        quizzes: dict[str, Quiz] = {}
        final_path: str | None = None
        for ref in refs:
            if ref.path.endswith(".md"):
                lesson = self.read_lesson(ref.path)
                if lesson is not None:
                    lessons[ref.path] = lesson
            else:
                quiz, kind_line = self.read_quiz(ref.path)
                if quiz is None:
                    self.quiz_failures += 1
                    continue
                quizzes[ref.path] = quiz
                if quiz.kind == "final":
                    if final_path is None:
                        final_path = ref.path
                    else:
                        self.error(
                            ref.path,
                            kind_line or 1,
                            f"kind: a course has at most one final quiz, and {final_path} "
                            "is already kind: final",
                        )
        # Links are checked once every lesson's id is known.
        lesson_ids = {path: lesson.id for path, lesson in lessons.items()}
        listed_lessons = {ref.path for ref in refs if ref.path.endswith(".md")}
        for lesson in lessons.values():
            self.render_lesson(lesson, lesson_ids, listed_lessons)

        items: dict[str, Item] = dict(quizzes)
        for path, draft in lessons.items():
            if draft.id is not None and draft.title is not None:
                items[path] = Lesson(
                    id=draft.id,
                    title=draft.title,
                    minutes=draft.minutes,
                    html=draft.html,
                    source_path=path,
                    images=draft.images,
                )
        return items

    # lessons

    def read_lesson(self, path: str) -> _LessonDraft | None:
        text = self.read_text(path)
        if text is None:
            return None
        lines = text.splitlines(keepends=True)
        if lines[0].rstrip() != "---":
            self.error(
                path,
                1,
                "a lesson starts with front matter: a line '---', the keys id and title, "
                "and another line '---'",
            )
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
        if end is None:
            self.error(path, 1, "the front matter is not closed: add a line '---' after it")
            return None
        body = "".join(lines[end + 1 :])
        if not body.strip():
            self.error(path, end + 1, "the lesson has no text after its front matter")
        draft = _LessonDraft(path, None, None, None, body, body_offset=end + 1)
        reader = _Reader(self.errors, path, offset=1)
        front_text = "".join(lines[1:end])
        if not front_text.strip():
            self.error(path, 1, "the front matter is empty: it needs id and title")
            return draft
        node = reader.compose(front_text)
        if node is None:
            return draft
        fields = reader.mapping(
            node, "", allowed=("id", "title", "minutes"), required=("id", "title")
        )
        if fields is None:
            return draft
        lesson_id = title = minutes = None
        if (id_node := fields.get("id")) is not None:
            lesson_id = reader.ident(id_node, "id")
            if lesson_id is not None:
                self.claim_id(reader, id_node, "id", lesson_id)
        if (title_node := fields.get("title")) is not None:
            title = reader.text(title_node, "title", max_length=MAX_TITLE_LENGTH)
        if (minutes_node := fields.get("minutes")) is not None:
            minutes = reader.integer(minutes_node, "minutes", 1, 120)
        draft.id, draft.title, draft.minutes = lesson_id, title, minutes
        return draft

    def render_lesson(
        self, lesson: _LessonDraft, lesson_ids: dict[str, str | None], listed: set[str]
    ) -> None:
        """Render the body to sanitised HTML, checking its images and links."""
        md = MarkdownIt("commonmark", {"html": False}).enable("table")
        tokens = md.parse(lesson.body)
        body_lines = lesson.body.splitlines()
        base = posixpath.dirname(lesson.path)
        images: dict[str, None] = {}
        block: list[int] | None = None

        def line_of(target: str) -> int:
            """The file line of a link or image target, within the current block."""
            start, stop = (block[0], block[1]) if block else (0, 1)
            for number in range(start, min(stop, len(body_lines))):
                if unquote(target) in body_lines[number] or target in body_lines[number]:
                    return lesson.body_offset + number + 1
            return lesson.body_offset + start + 1

        def problem(target: str, message: str) -> None:
            self.error(lesson.path, line_of(target), message)

        for token in tokens:
            if token.map:
                block = token.map
            if token.type in ("heading_open", "heading_close"):
                token.tag = {"h1": "h2", "h5": "h4", "h6": "h4"}.get(token.tag, token.tag)
            for child in token.children or []:
                if child.type == "image":
                    image = self.check_image(child, base, problem)
                    if image is not None:
                        images[image] = None
                elif child.type == "link_open":
                    self.check_link(child, base, lesson_ids, listed, problem)
        html = md.renderer.render(tokens, md.options, {})
        lesson.html = _clean(html, _URL_SCHEMES | {LESSON_SCHEME}, None)
        lesson.images = tuple(images)

    def check_image(
        self, token: Token, base: str, problem: Callable[[str, str], None]
    ) -> str | None:
        src = str(token.attrGet("src") or "")
        if not token.content.strip():
            problem(
                src, f"image {unquote(src)}: alt text is required: ![what the image shows]({src})"
            )
        parts = urlsplit(src)
        if parts.scheme in ("http", "https") or parts.netloc:
            problem(
                src,
                f"image {src}: remote images are not allowed (learners pay for data); "
                "put the file in the course folder",
            )
            return None
        if parts.scheme:
            problem(src, f"image {src[:40]}: an image must be a file in the course folder")
            return None
        raw = unquote(parts.path)
        if not raw.lower().endswith(IMAGE_SUFFIXES):
            problem(src, f"image {raw}: must be a {', '.join(IMAGE_SUFFIXES)} file")
            return None
        path, trouble = self.resolve(base, raw)
        if path is None:
            problem(src, f"image {raw}: {trouble}")
            return None
        if path not in self.assets:
            data = self.read(path)
            if data is None:
                return None
            self.assets[path] = data
        token.attrSet("src", quote(path, safe="/"))
        return path

    def check_link(
        self,
        token: Token,
        base: str,
        lesson_ids: dict[str, str | None],
        listed: set[str],
        problem: Callable[[str, str], None],
    ) -> None:
        href = str(token.attrGet("href") or "")
        parts = urlsplit(href)
        if parts.scheme in ("http", "https"):
            if not parts.netloc:
                problem(href, f"link {href}: the address has no host")
            return
        if parts.scheme == "mailto":
            return
        if parts.scheme or parts.netloc:
            problem(
                href,
                f"link {href}: a link must be an http, https or mailto address, "
                "a lesson (.md) of this course, or a #fragment",
            )
            return
        if not parts.path:
            if parts.query:
                problem(href, f"link {href}: a relative link must point to a lesson (.md)")
            return
        raw = unquote(parts.path)
        if not raw.endswith(".md"):
            problem(
                href,
                f"link {raw}: a relative link must point to a lesson (.md) of this course",
            )
            return
        path, trouble = self.resolve(base, raw)
        if path is None:
            problem(href, f"link {raw}: {trouble}")
            return
        if path not in listed:
            problem(href, f"link {raw}: {path} is not a lesson of this course (not in course.yaml)")
            return
        lesson_id = lesson_ids.get(path)
        if lesson_id is None:
            return  # the target lesson has its own error
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        token.attrSet("href", f"{LESSON_SCHEME}:{lesson_id}{fragment}")

    # quizzes

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

    # content hash

    def hash(self, course: Course) -> str:
        used = sorted({path for lesson in course.lessons() for path in lesson.images})
        canonical = {
            "format": FORMAT_VERSION,
            "course": dataclasses.asdict(course),
            "assets": [[path, hashlib.sha256(self.assets[path]).hexdigest()] for path in used],
        }
        data = json.dumps(
            canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


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
