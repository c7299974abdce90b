"""This site as an issuer: its did:web (from settings.YACHAY_SITE_URL), its keys (from
settings.YACHAY_SIGNING_KEYS_DIR) and the DID document /.well-known/did.json serves."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from yachay.certificates.keys import SigningKey, did_document, did_web, load_keys


class NoSigningKey(Exception):
    """No key in YACHAY_SIGNING_KEYS_DIR: run `manage.py signing_key_create`."""


def issuer_did() -> str:
    return did_web(settings.YACHAY_SITE_URL)


def signing_keys() -> list[SigningKey]:
    return load_keys(settings.YACHAY_SIGNING_KEYS_DIR)


def current_key() -> SigningKey:
    """The newest key: the one that signs."""
    keys = signing_keys()
    if not keys:
        raise NoSigningKey(str(settings.YACHAY_SIGNING_KEYS_DIR))
    return keys[-1]


def site_did_document() -> dict[str, Any]:
    return did_document(issuer_did(), signing_keys())
