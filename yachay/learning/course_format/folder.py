"""The files of a course folder: paths that stay inside it, reads of at most 1 MB, UTF-8
text, ids unique across its files, and the errors found so far."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

import yaml

from yachay.learning.course_format.model import MAX_FILE_BYTES, CourseError
from yachay.learning.course_format.yaml_reader import _Reader

_COURSE_FILE = "course.yaml"


class _Folder:
    """The state of one load, and the files of its folder."""

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

    def sorted_errors(self) -> list[CourseError]:
        unique = list(dict.fromkeys(self.errors))
        last = len(self.file_rank)
        return sorted(unique, key=lambda e: (self.file_rank.get(e.file, last), e.line))
