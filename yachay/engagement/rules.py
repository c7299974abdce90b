"""Rules as data: one YAML file per rule in ``content/nudges/`` (reviewed in git like the
courses), read and checked here, without the database.

A rule says *when* (its trigger and parameters), *whom* (its audience), *what* (a template in
Spanish and English for each channel), *how* (its channels, in order of preference) and *at
what hours* (its window, in America/Lima). The file's SHA-256 is the rule's version: every
message records the version it was made from. See docs/engagement.md for the format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from yachay.engagement import templating

LANGUAGES = ("es", "en")
CHANNELS = ("email", "sms", "whatsapp")
# What a person can unsubscribe from, one kind at a time.
KINDS = ("reminders", "nudges", "offers", "certificates")
MODALITIES = ("virtual", "in_person", "hybrid")
COMMON_VARIABLES = ("first_name", "program", "link")


@dataclass(frozen=True)
class TriggerSpec:
    """A trigger the evaluator knows: its parameters (name → (type, default, min, max);
    default ``None`` = required) and the variables its templates may use."""

    params: dict[str, tuple[type, Any, int, int]]
    variables: tuple[str, ...]
    learners: bool = True  # its audience are learners (enrollments), not applicants


TRIGGERS: dict[str, TriggerSpec] = {
    "session_upcoming": TriggerSpec(
        {"hours_before": (int, None, 1, 168), "not_within_hours": (int, 0, 0, 167)},
        ("topic", "when", "where", "cohort"),
    ),
    "session_missed": TriggerSpec({"within_hours": (int, 48, 1, 336)}, ("topic", "when", "cohort")),
    "inactive": TriggerSpec({"days": (int, None, 1, 90)}, ("days", "next_lesson", "course")),
    "quiz_failed": TriggerSpec({"within_hours": (int, 48, 1, 336)}, ("quiz", "score", "course")),
    "one_item_left": TriggerSpec({}, ("item", "course")),
    "offer_deadline": TriggerSpec(
        {"hours_before": (int, 48, 1, 336)}, ("deadline",), learners=False
    ),
    "certificate_ready": TriggerSpec({"within_days": (int, 7, 1, 60)}, ("track", "code")),
}

QUIET_FROM = dt.time(21, 0)
QUIET_TO = dt.time(8, 0)


def outside_quiet_hours(local: dt.time) -> bool:
    """Is ``local`` (America/Lima) outside the quiet hours, when messages may be sent?"""
    return QUIET_TO <= local < QUIET_FROM


@dataclass(frozen=True)
class Template:
    subject: str
    body: str  # email, plain text
    sms: str  # SMS, and the WhatsApp template's one body parameter


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    trigger: str
    params: dict[str, int]
    channels: tuple[str, ...]
    templates: dict[str, Template]
    version: str
    path: str
    title: str = ""
    nudge: bool = True  # counts toward the weekly frequency cap
    modalities: tuple[str, ...] = MODALITIES  # audience: learners of cohorts of these modalities
    window_from: dt.time = QUIET_TO
    window_to: dt.time = QUIET_FROM
    quiet_hours_exempt: bool = False
    holdout: float = 0.0
    whatsapp_template: str = ""
    enabled: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def in_window(self, local: dt.time) -> bool:
        """May this rule send at ``local`` (America/Lima)? Quiet hours hold unless exempt."""
        if not self.quiet_hours_exempt and not outside_quiet_hours(local):
            return False
        return self.window_from <= local < self.window_to

    def template(self, language: str) -> Template:
        return self.templates.get(language) or self.templates["es"]


@dataclass(frozen=True)
class RuleError(Exception):
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases are not allowed in rule files", event.start_mark
            )
        return super().compose_node(parent, index)


def _time(value: Any) -> dt.time:
    hours, minutes = str(value).split(":")
    return dt.time(int(hours), int(minutes))


class _Reader:
    """Walks a composed YAML node, turning wrong shapes into RuleErrors with their line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[RuleError] = []

    def fail(self, node: yaml.Node | None, message: str, *, line: int | None = None) -> None:
        where = line if line is not None else (node.start_mark.line + 1 if node else 1)
        self.errors.append(RuleError(self.path, where, message))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping")
            return {}
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            out[str(key.value)] = value
        return out

    def scalar(self, node: yaml.Node | None, what: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be a single value")
            return None
        return str(node.value)

    def text_line(self, node: yaml.Node) -> int:
        """The 1-based file line of a scalar's first line of text."""
        first = node.start_mark.line + 1
        return first + 1 if getattr(node, "style", None) in ("|", ">") else first


ALLOWED_KEYS = {
    "id",
    "title",
    "kind",
    "nudge",
    "enabled",
    "trigger",
    "audience",
    "channels",
    "window",
    "holdout",
    "whatsapp_template",
    "templates",
}


def parse_rule(text: str, *, path: str) -> Rule:
    """One rule file's text → a :class:`Rule`; raises :class:`RuleErrors` with every problem."""
    reader = _Reader(path)
    try:
        root = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleErrors([RuleError(path, (mark.line + 1) if mark else 1, str(exc))]) from None
    if root is None:
        raise RuleErrors([RuleError(path, 1, "the file is empty")])
    top = reader.mapping(root, "a rule")
    for key, node in top.items():
        if key not in ALLOWED_KEYS:
            reader.fail(node, f"unknown key {key!r}")
    rule_id = reader.scalar(top.get("id"), "id") or ""
    if not rule_id or not rule_id.replace("-", "").isalnum() or len(rule_id) > 60:
        reader.fail(top.get("id") or root, "id: lowercase letters, digits and '-', at most 60")
    kind = reader.scalar(top.get("kind"), "kind") or ""
    if kind not in KINDS:
        reader.fail(top.get("kind") or root, f"kind must be one of {', '.join(KINDS)}")

    trigger_node = top.get("trigger")
    trigger_map = reader.mapping(trigger_node, "trigger") if trigger_node else {}
    trigger = reader.scalar(trigger_map.get("type"), "trigger.type") or ""
    params: dict[str, int] = {}
    spec = TRIGGERS.get(trigger)
    if spec is None:
        reader.fail(trigger_node or root, f"trigger.type must be one of {', '.join(TRIGGERS)}")
    else:
        for key, node in trigger_map.items():
            if key != "type" and key not in spec.params:
                reader.fail(node, f"trigger {trigger} has no parameter {key!r}")
        for name, (_type, default, low, high) in spec.params.items():
            raw = reader.scalar(trigger_map.get(name), f"trigger.{name}")
            if raw is None:
                if default is None:
                    reader.fail(trigger_node, f"trigger.{name} is required")
                    continue
                params[name] = default
                continue
            try:
                value = int(raw)
            except ValueError:
                reader.fail(trigger_map[name], f"trigger.{name} must be a whole number")
                continue
            if not low <= value <= high:
                reader.fail(trigger_map[name], f"trigger.{name} must be from {low} to {high}")
            params[name] = value

    channels: list[str] = []
    channels_node = top.get("channels")
    if not isinstance(channels_node, yaml.SequenceNode) or not channels_node.value:
        reader.fail(channels_node or root, f"channels: a list of {', '.join(CHANNELS)}")
    else:
        for item in channels_node.value:
            name = reader.scalar(item, "channel") or ""
            if name not in CHANNELS or name in channels:
                reader.fail(item, f"channel {name!r}: one of {', '.join(CHANNELS)}, once each")
            else:
                channels.append(name)
    whatsapp_template = reader.scalar(top.get("whatsapp_template"), "whatsapp_template") or ""
    if "whatsapp" in channels and not whatsapp_template:
        reader.fail(
            channels_node, "whatsapp needs whatsapp_template (the approved template's name)"
        )

    modalities: tuple[str, ...] = MODALITIES
    audience_node = top.get("audience")
    if audience_node is not None:
        audience = reader.mapping(audience_node, "audience")
        for key, node in audience.items():
            if key != "modality":
                reader.fail(node, f"audience has no {key!r} (only modality)")
        modality_node = audience.get("modality")
        if isinstance(modality_node, yaml.SequenceNode):
            picked = tuple(reader.scalar(i, "modality") or "" for i in modality_node.value)
            for i, name in zip(modality_node.value, picked, strict=True):
                if name not in MODALITIES:
                    reader.fail(i, f"modality must be one of {', '.join(MODALITIES)}")
            modalities = picked
        elif modality_node is not None:
            reader.fail(modality_node, "audience.modality must be a list")

    window_from, window_to, exempt = QUIET_TO, QUIET_FROM, False
    window_node = top.get("window")
    if window_node is not None:
        window = reader.mapping(window_node, "window")
        try:
            window_from = _time(reader.scalar(window.get("from"), "from") or "08:00")
            window_to = _time(reader.scalar(window.get("to"), "to") or "21:00")
        except ValueError:
            reader.fail(window_node, "window.from and window.to are HH:MM times")
        exempt = (reader.scalar(window.get("quiet_hours"), "quiet_hours") or "") == "ignore"
        if exempt and not (trigger == "session_upcoming" and params.get("hours_before", 99) <= 1):
            reader.fail(window_node, "only a session reminder 1 hour before may ignore quiet hours")
        if exempt:
            window_from, window_to = dt.time(0, 0), dt.time(23, 59, 59)

    holdout = 0.0
    holdout_raw = reader.scalar(top.get("holdout"), "holdout")
    if holdout_raw is not None:
        try:
            holdout = float(holdout_raw)
        except ValueError:
            holdout = -1
        if not 0 <= holdout <= 0.5:
            reader.fail(top.get("holdout"), "holdout is a share from 0 to 0.5 (e.g. 0.1)")

    allowed = (*COMMON_VARIABLES, *(spec.variables if spec else ()))
    templates: dict[str, Template] = {}
    templates_node = top.get("templates")
    by_language = reader.mapping(templates_node, "templates") if templates_node else {}
    if "es" not in by_language:
        reader.fail(templates_node or root, "templates.es (Spanish) is required")
    for language, node in by_language.items():
        if language not in LANGUAGES:
            reader.fail(node, f"templates: languages are {', '.join(LANGUAGES)}")
            continue
        parts = reader.mapping(node, f"templates.{language}")
        values: dict[str, str] = {}
        for part in ("subject", "body", "sms"):
            part_node = parts.get(part)
            part_text = reader.scalar(part_node, part)
            if part_node is None or part_text is None or not part_text.strip():
                reader.fail(node, f"templates.{language}.{part} is required")
                continue
            first = reader.text_line(part_node)
            for error in templating.check(part_text, allowed=allowed):
                reader.fail(
                    None,
                    f"templates.{language}.{part}: {error.message}",
                    line=first + error.line - 1,
                )
            values[part] = part_text.strip()
        for key, extra in parts.items():
            if key not in ("subject", "body", "sms"):
                reader.fail(extra, f"templates.{language} has no {key!r}")
        if len(values) == 3:
            if len(values["sms"]) > 320:
                reader.fail(parts["sms"], "sms: at most 320 characters (two SMS)")
            templates[language] = Template(**values)

    if reader.errors:
        raise RuleErrors(reader.errors)
    return Rule(
        id=rule_id,
        title=reader.scalar(top.get("title"), "title") or rule_id,
        kind=kind,
        trigger=trigger,
        params=params,
        channels=tuple(channels),
        templates=templates,
        version=hashlib.sha256(text.encode()).hexdigest()[:16],
        path=path,
        nudge=(reader.scalar(top.get("nudge"), "nudge") or "true").lower() == "true",
        enabled=(reader.scalar(top.get("enabled"), "enabled") or "true").lower() == "true",
        modalities=modalities,
        window_from=window_from,
        window_to=window_to,
        quiet_hours_exempt=exempt,
        holdout=holdout,
        whatsapp_template=whatsapp_template,
    )


class RuleErrors(Exception):
    """Every problem found in one or more rule files."""

    def __init__(self, errors: Iterable[RuleError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def load_rules(folder: Path) -> tuple[Rule, ...]:
    """Every ``*.yaml`` rule in ``folder``, sorted by id; every problem of every file in one
    :class:`RuleErrors` (nothing is loaded if one file is wrong: a half-loaded set of rules
    would send some messages and not others)."""
    rules: list[Rule] = []
    errors: list[RuleError] = []
    for file in sorted(folder.glob("*.yaml")):
        try:
            rules.append(parse_rule(file.read_text(encoding="utf-8"), path=file.name))
        except RuleErrors as exc:
            errors.extend(exc.errors)
        except UnicodeDecodeError:
            errors.append(RuleError(file.name, 1, "not UTF-8 text"))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            errors.append(RuleError(rule.path, 1, f"id {rule.id!r} is used by another rule"))
        seen.add(rule.id)
    if errors:
        raise RuleErrors(errors)
    return tuple(sorted(rules, key=lambda r: r.id))
