"""JSON-LD without the network: the contexts are files in this package, and the document
loader refuses every other URL (it never fetches).

``canonize`` gives the RDF Dataset Canonicalization (RDFC-1.0, which pyld calls URDNA2015) of a
document as N-Quads, the input of the eddsa-rdfc-2022 cryptosuite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

# URL -> bundled file (the same index serves tools/verify-credentials.mjs). The OB context is
# the 1EdTech specification's own copy (openbadges-specification, ob_v3p0/context-3.0.3.json).
with open(CONTEXTS_DIR / "index.json", encoding="utf-8") as _index:
    BUNDLED: dict[str, str] = json.load(_index)
assert {VC_V2, OB_V3, DID_V1, MULTIKEY_V1} <= BUNDLED.keys()

Loader = Callable[..., dict[str, Any]]


class ContextNotBundled(Exception):
    """A document names a JSON-LD context that is not bundled: refused, never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@cache
def _bundled(url: str) -> dict[str, Any]:
    with open(CONTEXTS_DIR / BUNDLED[url], encoding="utf-8") as f:
        document: dict[str, Any] = json.load(f)
    return document


def make_loader(extra: Mapping[str, Any] | None = None) -> Loader:
    """A pyld document loader over the bundled contexts plus ``extra`` (URL -> document)."""
    extra = dict(extra or {})

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url in extra:
            document = extra[url]
        elif url in BUNDLED:
            document = _bundled(url)
        else:
            raise ContextNotBundled(url)
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def canonize(document: Mapping[str, Any], loader: Loader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": loader or make_loader(),
    }
    try:
        result: str = jsonld.normalize(dict(document), options)
    except jsonld.JsonLdError as error:
        # pyld wraps the loader's exception; surface ours so callers can say which URL.
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, ContextNotBundled):
                raise cause from error
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise
    return result


def _nquads_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def dropped_values(document: Mapping[str, Any], nquads: str) -> list[str]:
    """String values of ``document`` that are missing from its canonical form.

    pyld silently drops a term that no context defines (the JavaScript verifiers refuse it), so
    such a value would not be covered by the signature. Every string value we sign must show
    up in the N-Quads; ``@context`` and the ``proof`` are not part of them.
    """
    missing: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if _nquads_escape(value) not in nquads:
                missing.append(value)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if key not in ("@context", "proof"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return missing
