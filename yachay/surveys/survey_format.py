"""Survey as code: read ``content/surveys/<slug>/survey.yaml`` into plain, frozen data.

The format is specified in ``docs/survey-format.md``. :func:`load_survey` returns a
:class:`SurveySpec`, or raises ``CourseErrors`` (learning's error list: every problem, each
with its file and 1-based line) — the reading is learning's course-as-code reader
(``yaml_reader._Reader``: line marks, no aliases, duplicate and unknown keys; ``folder._Folder``:
reads of at most 1 MB of UTF-8), so both formats report mistakes the same way.

Nothing here touches the database: the importer (``services.survey_import``) turns a spec into
rows. The content hash is a SHA-256 over the canonical JSON of the parsed survey: it changes
when a word, an option, a range or a condition changes, not when comments or key order do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from yachay.engagement import templating
from yachay.learning.course_format import CourseError, CourseErrors, sanitize_html
from yachay.learning.course_format.folder import _Folder
from yachay.learning.course_format.yaml_reader import _index, _key, _Reader

FORMAT_VERSION = 1
SURVEY_FILE = "survey.yaml"
KINDS = ("baseline", "end_of_course", "followup_3m", "followup_6m", "other")
QUESTION_TYPES = ("single", "multiple", "scale", "number", "text")
LANGUAGES = ("es", "en")
WORDINGS = ("learner", "applicant_followup")
TEMPLATE_VALUES = ("first_name", "program", "link", "closes")
MAX_TEXT = 500  # a short text answer, at most
MAX_PROMPT = 400
MAX_OPTIONS = 30
MAX_QUESTIONS = 80
NUMBER_LIMIT = 1e12

_QUESTION_ID = re.compile(r"[a-z][a-z0-9_]{0,59}")
_OPTION_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
_markdown = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Text:
    """A text in Spanish, and in English when the author gave it (else the Spanish)."""

    es: str
    en: str = ""

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") and self.en else self.es


@dataclass(frozen=True)
class Option:
    id: str
    text: Text


@dataclass(frozen=True)
class Condition:
    """Shown only when the answer to ``question`` (on an earlier page) is one of ``any_of``
    (for a multiple choice: when any of them was chosen)."""

    question: str
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    prompt: Text
    help: Text = Text("")
    required: bool = True
    options: tuple[Option, ...] = ()
    low_label: Text = Text("")  # scale: what 1 means
    high_label: Text = Text("")  # scale: what 5 means
    unit: Text = Text("")
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int = MAX_TEXT
    show_if: Condition | None = None

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)


@dataclass(frozen=True)
class Page:
    id: str
    title: Text
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Message:
    subject: Text
    body: Text
    sms: Text


@dataclass(frozen=True)
class SurveySpec:
    slug: str
    kind: str
    title: Text
    intro_html: Text
    open_days: int
    pages: tuple[Page, ...]
    invitations: dict[str, Message] = field(default_factory=dict)
    content_hash: str = ""

    def questions(self) -> list[Question]:
        return [q for page in self.pages for q in page.questions]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.id == question_id), None)


def spec_to_json(spec: SurveySpec) -> dict[str, Any]:
    return dataclasses.asdict(spec)


def _text(data: dict[str, Any] | None) -> Text:
    data = data or {}
    return Text(es=data.get("es", ""), en=data.get("en", ""))


def spec_from_json(data: dict[str, Any]) -> SurveySpec:
    """The spec back from its stored JSON (a version's ``content``)."""

    def question(q: dict[str, Any]) -> Question:
        cond = q.get("show_if")
        return Question(
            id=q["id"],
            type=q["type"],
            prompt=_text(q["prompt"]),
            help=_text(q.get("help")),
            required=q.get("required", True),
            options=tuple(Option(o["id"], _text(o["text"])) for o in q.get("options", ())),
            low_label=_text(q.get("low_label")),
            high_label=_text(q.get("high_label")),
            unit=_text(q.get("unit")),
            min=q.get("min"),
            max=q.get("max"),
            integer=q.get("integer", False),
            max_length=q.get("max_length", MAX_TEXT),
            show_if=Condition(cond["question"], tuple(cond["any_of"])) if cond else None,
        )

    return SurveySpec(
        slug=data["slug"],
        kind=data["kind"],
        title=_text(data["title"]),
        intro_html=_text(data.get("intro_html")),
        open_days=data.get("open_days", 0),
        pages=tuple(
            Page(p["id"], _text(p["title"]), tuple(question(q) for q in p["questions"]))
            for p in data["pages"]
        ),
        invitations={
            k: Message(_text(v["subject"]), _text(v["body"]), _text(v["sms"]))
            for k, v in (data.get("invitations") or {}).items()
        },
        content_hash=data.get("content_hash", ""),
    )


class _Loader:
    def __init__(self, path: Path) -> None:
        self.folder = _Folder(path if path.name != SURVEY_FILE else path.parent)
        self.folder.file_rank = {SURVEY_FILE: 0}
        self.reader = _Reader(self.folder.errors, SURVEY_FILE)
        self.seen: dict[str, tuple[int, int, Question | None]] = {}  # id -> (page, line, q)

    # texts -----------------------------------------------------------------------------

    def text(
        self, node: yaml.Node | None, path: str, *, required: bool = True, limit: int = MAX_PROMPT
    ) -> Text:
        r = self.reader
        if node is None:
            return Text("")
        if isinstance(node, yaml.ScalarNode):  # Spanish only
            return Text(r.text(node, path, max_length=limit, empty_ok=not required) or "")
        m = r.mapping(node, path, allowed=LANGUAGES, required=("es",) if required else ())
        if m is None:
            return Text("")
        values = {}
        for language in LANGUAGES:
            sub = m.get(language)
            if sub is not None:
                values[language] = (
                    r.text(sub, _key(path, language), max_length=limit, empty_ok=not required) or ""
                )
        return Text(values.get("es", ""), values.get("en", ""))

    # the file --------------------------------------------------------------------------

    def load(self) -> SurveySpec:
        folder, r = self.folder, self.reader
        if not folder.root.is_dir():
            raise CourseErrors([CourseError(str(folder.root), 1, "no such survey folder")])
        source = folder.read_text(SURVEY_FILE) if (folder.root / SURVEY_FILE).is_file() else None
        if source is None:
            if not (folder.root / SURVEY_FILE).is_file():
                folder.error(SURVEY_FILE, 1, f"no {SURVEY_FILE} in the survey folder")
            raise CourseErrors(folder.sorted_errors())
        root = r.compose(source)
        top = (
            r.mapping(
                root,
                "",
                allowed=(
                    "format",
                    "slug",
                    "kind",
                    "title",
                    "intro",
                    "open_days",
                    "invitations",
                    "pages",
                ),
                required=("slug", "kind", "title", "pages"),
            )
            if root is not None
            else None
        )
        if top is None:
            if root is None and not folder.errors:
                folder.error(SURVEY_FILE, 1, "the file is empty")
            raise CourseErrors(folder.sorted_errors())
        node = top.get("format")
        if node is not None:
            r.integer(node, "format", FORMAT_VERSION, FORMAT_VERSION)
        slug = ""
        if (node := top.get("slug")) is not None:
            slug = r.ident(node, "slug") or ""
            if slug and slug != folder.root.name:
                r.error(node, f"slug: '{slug}' must be the folder's name ('{folder.root.name}')")
        kind = ""
        if (node := top.get("kind")) is not None:
            kind = r.text(node, "kind") or ""
            if kind and kind not in KINDS:
                r.error(node, f"kind: '{kind}' is not one of: {', '.join(KINDS)}")
        title = self.text(top.get("title"), "title", limit=200)
        intro = self.text(top.get("intro"), "intro", required=False, limit=4000)
        intro_html = Text(
            sanitize_html(_markdown.render(intro.es)) if intro.es else "",
            sanitize_html(_markdown.render(intro.en)) if intro.en else "",
        )
        open_days = 0
        if (node := top.get("open_days")) is not None:
            open_days = r.integer(node, "open_days", 0, 3650) or 0
        invitations = self.invitations(top.get("invitations"))
        pages = self.pages(top.get("pages"))
        if folder.errors:
            raise CourseErrors(folder.sorted_errors())
        spec = SurveySpec(
            slug=slug,
            kind=kind,
            title=title,
            intro_html=intro_html,
            open_days=open_days,
            pages=pages,
            invitations=invitations,
        )
        return dataclasses.replace(spec, content_hash=content_hash(spec))

    def invitations(self, node: yaml.Node | None) -> dict[str, Message]:
        r = self.reader
        if node is None:
            return {}
        m = r.mapping(node, "invitations", allowed=WORDINGS)
        if m is None:
            return {}
        result = {}
        for wording, sub in m.nodes.items():
            path = _key("invitations", wording)
            mm = r.mapping(
                sub, path, allowed=("subject", "body", "sms"), required=("subject", "body", "sms")
            )
            if mm is None:
                continue
            subject = self.text(mm.get("subject"), _key(path, "subject"), limit=200)
            body = self.text(mm.get("body"), _key(path, "body"), limit=3000)
            sms = self.text(mm.get("sms"), _key(path, "sms"), limit=300)
            for part, text in (("subject", subject), ("body", body), ("sms", sms)):
                for language in LANGUAGES:
                    value = getattr(text, language)
                    where = mm.nodes[part]
                    for problem in templating.check(value, allowed=TEMPLATE_VALUES):
                        r.error(where, f"{path}.{part}.{language}: {problem.message}")
                    if part != "subject" and value and "link" not in templating.variables(value):
                        r.error(where, f"{path}.{part}.{language}: must contain {{{{ link }}}}")
            result[wording] = Message(subject, body, sms)
        return result

    def pages(self, node: yaml.Node | None) -> tuple[Page, ...]:
        r = self.reader
        if node is None:
            return ()
        nodes = r.sequence(node, "pages", min_items=1, what="pages")
        pages: list[Page] = []
        page_ids: set[str] = set()
        count = 0
        for i, page_node in enumerate(nodes or ()):
            path = _index("pages", i)
            m = r.mapping(
                page_node,
                path,
                allowed=("id", "title", "questions"),
                required=("id", "title", "questions"),
            )
            if m is None:
                continue
            page_id = ""
            if (sub := m.get("id")) is not None:
                page_id = r.ident(sub, _key(path, "id")) or ""
                if page_id in page_ids:
                    r.error(sub, f"{path}.id: '{page_id}' is already a page")
                page_ids.add(page_id)
            title = self.text(m.get("title"), _key(path, "title"), limit=200)
            questions: list[Question] = []
            qnode_list = m.get("questions")
            qnodes = (
                r.sequence(qnode_list, _key(path, "questions"), min_items=1, what="questions")
                if qnode_list is not None
                else None
            )
            for j, qnode in enumerate(qnodes or ()):
                count += 1
                if count > MAX_QUESTIONS:
                    r.error(qnode, f"a survey has at most {MAX_QUESTIONS} questions")
                    break
                question = self.question(qnode, f"{path}.questions[{j}]", i)
                if question is not None:
                    questions.append(question)
            pages.append(Page(page_id, title, tuple(questions)))
        return tuple(pages)

    def question(self, node: yaml.Node, path: str, page: int) -> Question | None:
        r = self.reader
        m = r.mapping(
            node,
            path,
            allowed=(
                "id",
                "type",
                "prompt",
                "help",
                "required",
                "options",
                "low_label",
                "high_label",
                "unit",
                "min",
                "max",
                "integer",
                "max_length",
                "show_if",
            ),
            required=("id", "type", "prompt"),
        )
        if m is None:
            return None
        qid = ""
        if (sub := m.get("id")) is not None:
            qid = r.text(sub, _key(path, "id")) or ""
            if qid and not _QUESTION_ID.fullmatch(qid):
                r.error(
                    sub,
                    f"{path}.id: '{qid}' is not a valid question id: use lowercase letters, "
                    "digits and _, starting with a letter, at most 60 characters",
                )
                qid = ""
            elif qid in self.seen:
                r.error(sub, f"{path}.id: '{qid}' is already used on line {self.seen[qid][1]}")
                qid = ""
        qtype = ""
        if (sub := m.get("type")) is not None:
            qtype = r.text(sub, _key(path, "type")) or ""
            if qtype and qtype not in QUESTION_TYPES:
                r.error(sub, f"{path}.type: '{qtype}' is not one of: {', '.join(QUESTION_TYPES)}")
                qtype = ""
        prompt = self.text(m.get("prompt"), _key(path, "prompt"))
        help_text = self.text(m.get("help"), _key(path, "help"), required=False)
        required = True
        if (sub := m.get("required")) is not None:
            value = r.boolean(sub, _key(path, "required"))
            required = True if value is None else value

        def only(keys: tuple[str, ...]) -> None:
            for key in keys:
                if key in m.nodes:
                    r.error(
                        m.nodes[key], f"{_key(path, key)}: not used by a {qtype or '?'} question"
                    )

        options: tuple[Option, ...] = ()
        low = high = unit = Text("")
        low_n: float | None = None
        high_n: float | None = None
        integer = False
        max_length = MAX_TEXT
        if qtype in ("single", "multiple"):
            only(("low_label", "high_label", "unit", "min", "max", "integer", "max_length"))
            options = self.options(m.get("options"), _key(path, "options"), m.line)
        elif qtype == "scale":
            only(("options", "unit", "min", "max", "integer", "max_length"))
            low = self.text(m.get("low_label"), _key(path, "low_label"), required=False)
            high = self.text(m.get("high_label"), _key(path, "high_label"), required=False)
            low_n, high_n, integer = 1.0, 5.0, True
        elif qtype == "number":
            only(("options", "low_label", "high_label", "max_length"))
            unit = self.text(m.get("unit"), _key(path, "unit"), required=False, limit=40)
            for key in ("min", "max"):
                if key not in m.nodes:
                    r.error(m.line, f"{path}: a number question needs '{key}'")
            if (sub := m.get("min")) is not None:
                low_n = r.number(sub, _key(path, "min"), low=-NUMBER_LIMIT)
            if (sub := m.get("max")) is not None:
                high_n = r.number(sub, _key(path, "max"), low=-NUMBER_LIMIT)
                if high_n is not None and high_n > NUMBER_LIMIT:
                    r.error(sub, f"{path}.max: at most {NUMBER_LIMIT:.0f}")
            if low_n is not None and high_n is not None and low_n > high_n:
                r.error(m.nodes["max"], f"{path}.max: must not be less than min")
            if (sub := m.get("integer")) is not None:
                integer = bool(r.boolean(sub, _key(path, "integer")))
        elif qtype == "text":
            only(("options", "low_label", "high_label", "unit", "min", "max", "integer"))
            if (sub := m.get("max_length")) is not None:
                max_length = r.integer(sub, _key(path, "max_length"), 1, MAX_TEXT) or MAX_TEXT
        condition = None
        if (sub := m.get("show_if")) is not None:
            condition = self.condition(sub, _key(path, "show_if"), page)
        if not qid or not qtype or not prompt.es:
            if qid:
                self.seen[qid] = (page, r.line(node), None)
            return None
        question = Question(
            id=qid,
            type=qtype,
            prompt=prompt,
            help=help_text,
            required=required,
            options=options,
            low_label=low,
            high_label=high,
            unit=unit,
            min=low_n,
            max=high_n,
            integer=integer,
            max_length=max_length,
            show_if=condition,
        )
        self.seen[qid] = (page, r.line(node), question)
        return question

    def options(self, node: yaml.Node | None, path: str, line: int) -> tuple[Option, ...]:
        r = self.reader
        if node is None:
            r.error(line, f"{path}: a choice question needs options")
            return ()
        nodes = r.sequence(node, path, min_items=2, what="options")
        result: list[Option] = []
        ids: set[str] = set()
        for i, sub in enumerate(nodes or ()):
            p = _index(path, i)
            if i >= MAX_OPTIONS:
                r.error(sub, f"{path}: at most {MAX_OPTIONS} options")
                break
            m = r.mapping(sub, p, allowed=("id", *LANGUAGES), required=("id", "es"))
            if m is None:
                continue
            oid = ""
            if (idn := m.get("id")) is not None:
                oid = r.text(idn, _key(p, "id")) or ""
                if oid and not _OPTION_ID.fullmatch(oid):
                    r.error(idn, f"{p}.id: '{oid}' is not a valid option id")
                    oid = ""
                elif oid in ids:
                    r.error(idn, f"{p}.id: '{oid}' is already an option of this question")
                    oid = ""
            es = r.text(m.get("es"), _key(p, "es"), max_length=200) if m.get("es") else None  # type: ignore[arg-type]
            en = r.text(m.get("en"), _key(p, "en"), max_length=200) if m.get("en") else None  # type: ignore[arg-type]
            if oid and es:
                ids.add(oid)
                result.append(Option(oid, Text(es, en or "")))
        return tuple(result)

    def condition(self, node: yaml.Node, path: str, page: int) -> Condition | None:
        r = self.reader
        m = r.mapping(node, path, allowed=("question", "equals", "any_of"), required=("question",))
        if m is None:
            return None
        qid = r.text(m.get("question"), _key(path, "question")) if m.get("question") else None  # type: ignore[arg-type]
        values: list[str] = []
        if (sub := m.get("equals")) is not None:
            value = r.text(sub, _key(path, "equals"))
            values = [value] if value else []
        elif (sub := m.get("any_of")) is not None:
            for i, item in enumerate(r.sequence(sub, _key(path, "any_of"), min_items=1) or ()):
                value = r.text(item, _index(_key(path, "any_of"), i))
                if value:
                    values.append(value)
        else:
            r.error(node, f"{path}: needs 'equals' or 'any_of'")
            return None
        if not qid:
            return None
        earlier = self.seen.get(qid)
        if earlier is None:
            r.error(node, f"{path}.question: no earlier question has the id '{qid}'")
            return None
        earlier_page, _, question = earlier
        if earlier_page >= page:
            r.error(
                node,
                f"{path}.question: '{qid}' is on the same page; a condition must refer to a "
                "question on an earlier page (the next page is chosen from the answers)",
            )
            return None
        if question is not None:
            if question.type not in ("single", "multiple"):
                r.error(node, f"{path}.question: '{qid}' is not a choice question")
                return None
            for value in values:
                if value not in question.option_ids():
                    r.error(node, f"{path}: '{value}' is not an option of '{qid}'")
                    return None
        return Condition(qid, tuple(values)) if values else None


def content_hash(spec: SurveySpec) -> str:
    data = dataclasses.asdict(dataclasses.replace(spec, content_hash=""))
    canonical = json.dumps(
        {"format": FORMAT_VERSION, "survey": data},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_survey(path: Path | str) -> SurveySpec:
    """Read and check the survey in folder ``path`` (or its ``survey.yaml``); raise
    ``CourseErrors`` with every problem found, each with its file and line."""
    return _Loader(Path(path)).load()


def is_shown(question: Question, answers: dict[str, Any]) -> bool:
    """Whether ``question`` is asked, given the answers so far (option ids, lists of them)."""
    condition = question.show_if
    if condition is None:
        return True
    given = answers.get(condition.question)
    if isinstance(given, list):
        return any(value in condition.any_of for value in given)
    return given in condition.any_of
