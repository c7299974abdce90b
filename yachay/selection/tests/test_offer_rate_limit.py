"""The offer's answers (page and API) are limited per address by YACHAY_RATELIMIT_OFFER, a
setting, not a number in the code (issue 10, item 15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def answers(client: Client, n: int) -> list[int]:
    # A forged token still counts: the limit comes before the token is read.
    return [client.post("/api/v1/offers/forged/accept").status_code for _ in range(n)]


@pytest.mark.parametrize("rate, allowed", [("2/60", 2), ("5/60", 5)])
def test_the_offer_api_follows_the_offer_rate_setting(
    client: Client, settings: Any, rate: str, allowed: int
) -> None:
    settings.YACHAY_RATELIMIT_OFFER = rate
    codes = answers(client, allowed + 1)
    assert codes == [404] * allowed + [429]
    refused = client.post("/api/v1/offers/forged/decline")
    assert refused.status_code == 429 and refused.json()["detail"]


def test_the_offer_page_and_the_api_share_one_count_per_address(
    client: Client, settings: Any
) -> None:
    settings.YACHAY_RATELIMIT_OFFER = "3/60"
    assert client.post("/ofertas/forged/", {"answer": "accept"}).status_code == 404
    assert client.post("/ofertas/forged/", {"answer": "accept"}).status_code == 404
    assert answers(client, 2) == [404, 429]
    page = client.post("/ofertas/forged/", {"answer": "accept"})
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    # Another address is not held back.
    assert client.post("/api/v1/offers/forged/accept", REMOTE_ADDR="10.9.9.9").status_code == 404


def test_a_zero_offer_rate_switches_the_limit_off(client: Client, settings: Any) -> None:
    settings.YACHAY_RATELIMIT_OFFER = "0"
    assert set(answers(client, 40)) == {404}
