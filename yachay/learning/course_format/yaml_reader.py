"""Reading YAML with line numbers: every wrong shape or value becomes a :class:`CourseError`
with its file and line, and reading goes on, so that one run reports every problem.

Error messages name the place in the file as a path of keys and 0-based list positions
(``modules[2].items[1]: no such file: lessons/07.md``), after the line number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from yachay.learning.course_format.model import CourseError

_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


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
