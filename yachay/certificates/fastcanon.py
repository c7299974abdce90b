"""RDFC-1.0 canonical N-Quads of many documents of the same shape, fast.

``jsonld.canonize`` (pyld) spends almost all of its time *expanding* the document against
the large VC 2.0 and Open Badges 3.0 contexts; canonicalising the resulting two dozen quads
is cheap. Every credential Yachay issues has the same shape: only string values differ (the
credential's URL, dates, the hashed identity, the status index...). So:

1. every string value outside ``@context``/``type``/keywords is replaced by a *placeholder*
   that keeps its IRI scheme (``https://yachayph3``, ``did:yachayph4``, ``yachayph5``);
2. that *skeleton* is turned into RDF once by pyld (expansion + toRdf), and we note where each
   placeholder came out: as a whole literal or a whole IRI (a placeholder that came out
   changed — a ``@vocab`` value, a compact IRI — makes that value part of the skeleton);
3. each document then costs: the skeleton walk, the values put back into a copy of the
   cached quads, and pyld's own RDFC-1.0 (``URDNA2015``) over those quads.

Anything unusual (a value containing the placeholder marker, an IRI value pyld would not take
as absolute, a skeleton pyld refuses) goes the slow, plain pyld way, so the result is always
the one ``jsonld.canonize`` gives; tests compare the two on many documents, and the W3C
verifiers in CI check what we sign.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyld import jsonld as pyld_jsonld
from pyld.canon import URDNA2015

from yachay.certificates.jsonld import Loader, canonize, make_loader

MARK = "yachayph"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//)?")
_TOKEN = re.compile(MARK + r"(\d+)")
# pyld's own test for an absolute IRI (jsonld._is_absolute_iri), which decides whether an
# @id value is kept as it is.
_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_WHOLE = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:(?://)?)?" + MARK + r"(\d+)")
_STRUCTURAL_KEYS = frozenset({"@context", "type"})
_MAX_TEMPLATES = 256


@dataclass(frozen=True)
class _Template:
    # The skeleton's quads: (graph, subject, predicate, object) RDF term dicts.
    quads: tuple[tuple[str | None, dict[str, str], dict[str, str], dict[str, str]], ...]
    # Placeholder number -> "IRI" or "literal" (how it came out).
    kinds: dict[int, str]


_TEMPLATES: dict[str, _Template] = {}
_FIXED: dict[str, frozenset[int]] = {}  # shape -> values that must stay in the skeleton
_UNUSABLE = object()
_stats = {"fast": 0, "slow": 0, "templates": 0}


def stats() -> dict[str, int]:
    """How many documents took the fast and the slow way, and templates made (for benches)."""
    return dict(_stats)


def _placeholder(number: int, value: str) -> str:
    match = _SCHEME.match(value)
    if match is None:
        return f"{MARK}{number}"
    return f"{match.group(1)}:{match.group(2) or ''}{MARK}{number}"


def _skeleton(document: Any, values: list[str], fixed: frozenset[int] | None) -> tuple[Any, bool]:
    """The document with string values replaced by placeholders (numbered in walk order);
    ``values`` receives the originals. False when a value carries the marker itself."""
    ok = True

    def walk(node: Any, key: str | None) -> Any:
        nonlocal ok
        if isinstance(node, str):
            if MARK in node:
                ok = False
            if key is None or key in _STRUCTURAL_KEYS or key.startswith("@"):
                return node
            number = len(values)
            values.append(node)
            if fixed is not None and number in fixed:
                return node
            return _placeholder(number, node)
        if isinstance(node, Mapping):
            return {
                k: (v if k == "@context" else walk(v, k if isinstance(k, str) else None))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(item, key) for item in node]
        return node

    return walk(document, None), ok


def _make_template(
    skeleton: Any, loader: Loader, count: int, fixed: frozenset[int]
) -> _Template | set[int]:
    """The skeleton's quads, or the placeholders that did not come out whole."""
    dataset = pyld_jsonld.to_rdf(
        skeleton,
        {"documentLoader": loader, "produceGeneralizedRdf": False},
    )
    quads = []
    kinds: dict[int, str] = {}
    mangled: set[int] = set()
    for graph, triples in dataset.items():
        graph_name = None if graph == "@default" else graph
        if graph_name is not None and MARK in graph_name:
            mangled.update(int(n) for n in _TOKEN.findall(graph_name))
        for triple in triples:
            for position in ("subject", "predicate", "object"):
                term = triple[position]
                value = term["value"]
                if MARK not in value and MARK not in term.get("datatype", ""):
                    continue
                whole = _WHOLE.fullmatch(value)
                numbers = [int(n) for n in _TOKEN.findall(value + term.get("datatype", ""))]
                if (
                    whole is None
                    or position == "predicate"
                    or term["type"] == "blank node"
                    or MARK in term.get("datatype", "")
                    or "language" in term
                ):
                    mangled.update(numbers)
                    continue
                number = int(whole.group(1))
                kind = "IRI" if term["type"] == "IRI" else "literal"
                if kinds.setdefault(number, kind) != kind:
                    mangled.add(number)
            quads.append((graph_name, triple["subject"], triple["predicate"], triple["object"]))
    missing = set(range(count)) - kinds.keys() - fixed
    if mangled or missing:
        return mangled | missing
    return _Template(quads=tuple(quads), kinds=kinds)


def _template_for(
    document: Mapping[str, Any], loader: Loader
) -> tuple[_Template, list[str]] | None:
    values: list[str] = []
    shape_skeleton, ok = _skeleton(document, values, None)
    if not ok:
        return None
    shape = json.dumps(shape_skeleton, sort_keys=True)
    for _attempt in range(4):
        fixed = _FIXED.get(shape, frozenset())
        if fixed:
            values = []
            skeleton, _ok = _skeleton(document, values, fixed)
            key = json.dumps(skeleton, sort_keys=True)
        else:
            skeleton, key = shape_skeleton, shape
        template = _TEMPLATES.get(key)
        if template is None:
            if len(_TEMPLATES) >= _MAX_TEMPLATES:
                _TEMPLATES.clear()
                _FIXED.clear()
            try:
                made = _make_template(skeleton, loader, len(values), fixed)
            except pyld_jsonld.JsonLdError:
                return None
            if isinstance(made, set):
                # Placeholders in the fixed set are not placeholders: only the others count.
                made -= fixed
                if not made:
                    return None
                _FIXED[shape] = fixed | frozenset(made)
                continue
            _stats["templates"] += 1
            _TEMPLATES[key] = template = made
        return template, values
    return None


def _fill(term: dict[str, str], values: list[str], kinds: dict[int, str]) -> dict[str, str] | None:
    value = term["value"]
    if MARK not in value:
        return dict(term)
    match = _TOKEN.search(value)
    assert match is not None
    number = int(match.group(1))
    actual = values[number]
    # An IRI: the same scheme (and //) as the placeholder, so pyld expands both the same way;
    # an IRI pyld would drop or resolve goes the slow way.
    if kinds[number] == "IRI" and (
        _ABSOLUTE.match(actual) is None or _placeholder(number, actual) != value
    ):
        return None
    return {**term, "value": actual}


def canonize_fast(document: Mapping[str, Any]) -> str:
    """The same N-Quads as ``jsonld.canonize(document)`` with the bundled contexts."""
    loader = _LOADER
    found = _template_for(document, loader)
    if found is None:
        _stats["slow"] += 1
        return canonize(document)
    template, values = found
    seen: set[tuple[Any, ...]] = set()
    dataset: dict[str, list[dict[str, Any]]] = {}
    for graph, subject, predicate, obj in template.quads:
        s = _fill(subject, values, template.kinds)
        o = _fill(obj, values, template.kinds)
        if s is None or o is None:
            _stats["slow"] += 1
            return canonize(document)
        # Values that became equal merge, as pyld's node map merges them.
        identity = (graph, s["value"], s["type"], predicate["value"], tuple(sorted(o.items())))
        if identity in seen:
            continue
        seen.add(identity)
        dataset.setdefault(graph or "@default", []).append(
            {"subject": s, "predicate": dict(predicate), "object": o}
        )
    _stats["fast"] += 1
    result: str = URDNA2015().main(dataset, {"format": "application/n-quads"})
    return result


_LOADER = make_loader()
