"""Loading a course: course.yaml, then every lesson and quiz it lists, then the content hash.

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
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from yachay.learning.course_format.folder import _COURSE_FILE
from yachay.learning.course_format.lessons import _LessonDraft, _Lessons
from yachay.learning.course_format.model import (
    FORMAT_VERSION,
    LANGUAGES,
    MAX_TITLE_LENGTH,
    MAX_VERSION_LENGTH,
    CompletionRules,
    Course,
    CourseError,
    CourseErrors,
    Item,
    Lesson,
    Module,
    Quiz,
)
from yachay.learning.course_format.quizzes import _Quizzes
from yachay.learning.course_format.yaml_reader import _index, _key, _Reader


@dataclass
class _ItemRef:
    """An item of a module, as listed in course.yaml."""

    path: str  # normalised, course-relative


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


class _CourseLoader(_Lessons, _Quizzes):
    """Reads course.yaml, then the lessons and quizzes it lists."""

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
