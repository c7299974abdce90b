"""Lessons: YAML front matter, then Markdown rendered to sanitised HTML, its images and
links checked.

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
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from yachay.learning.course_format.folder import _Folder
from yachay.learning.course_format.model import IMAGE_SUFFIXES, LESSON_SCHEME, MAX_TITLE_LENGTH
from yachay.learning.course_format.sanitize import _URL_SCHEMES, _clean
from yachay.learning.course_format.yaml_reader import _Reader


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


class _Lessons(_Folder):
    """Reads lessons (front matter, then the body) and renders them."""

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
