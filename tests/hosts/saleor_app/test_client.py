"""The GraphQL client against a real socket: retries on 429/5xx/connection errors, bounded, honouring
Retry-After; no retries for other 4xx or GraphQL errors; the token only in the Authorization header."""

from __future__ import annotations

import pytest

from saleor_ltv_plugin.hosts.saleor_app.client import GraphQLError, SaleorApiError, SaleorClient
from tests.support.net import free_port

from .fake_saleor import TOKEN, FakeSaleor

STAMPS = "query LtvOrderStamps($first: Int!) { orders(first: $first) { edges { node { id } } } }"


@pytest.fixture
def saleor():
    with FakeSaleor(orders=[{"id": "T3JkZXI6MQ==", "number": "1", "updatedAt": "2026-05-01T00:00:00+00:00"}]) as fake:
        yield fake


def client_for(url, token=TOKEN, **options):
    slept: list[float] = []
    return SaleorClient(url, token, sleep=slept.append, **options), slept


def test_a_429_is_retried_after_retry_after_and_the_token_goes_as_bearer(saleor):
    client, slept = client_for(saleor.url)
    saleor.fail_next(429, retry_after="2")
    data = client.execute(STAMPS, {"first": 1})
    assert data["orders"]["edges"][0]["node"]["id"] == "T3JkZXI6MQ=="
    assert slept == [2.0] and client.requests == 2
    assert [r["auth"] for r in saleor.requests] == [f"Bearer {TOKEN}"] * 2
    assert TOKEN not in repr(client)


def test_without_retry_after_the_waits_grow_and_a_long_retry_after_is_capped(saleor):
    client, slept = client_for(saleor.url, backoff=1.0, max_wait=30.0)
    saleor.fail_next(503, times=3)
    client.execute(STAMPS, {"first": 1})
    assert len(slept) == 3 and all(0.8 * 2 ** n <= s <= 1.2 * 2 ** n for n, s in enumerate(slept))
    saleor.fail_next(429, retry_after="3600")
    client.execute(STAMPS, {"first": 1})
    assert slept[-1] == 30.0


def test_5xx_past_the_retry_budget_gives_a_clear_error(saleor):
    client, slept = client_for(saleor.url, retries=3)
    saleor.fail_next(500, times=10)
    with pytest.raises(SaleorApiError, match=r"HTTP 500.*gave up after 4 attempts") as raised:
        client.execute(STAMPS, {"first": 1})
    assert raised.value.status == 500 and client.requests == 4 and len(slept) == 3


def test_other_4xx_and_graphql_errors_are_not_retried(saleor):
    client, slept = client_for(saleor.url, token="revoked")
    with pytest.raises(SaleorApiError, match="Invalid token") as raised:
        client.execute(STAMPS, {"first": 1})
    assert raised.value.status == 401 and client.requests == 1 and slept == []
    good, slept = client_for(saleor.url)
    with pytest.raises(GraphQLError, match="first: more than 100") as raised:
        good.execute(STAMPS, {"first": 500})
    assert raised.value.errors == [{"message": "first: more than 100"}] and good.requests == 1 and slept == []


def test_a_saleor_that_is_not_there_is_retried_then_named():
    url = f"http://127.0.0.1:{free_port()}/graphql/"
    client, slept = client_for(url, retries=2)
    with pytest.raises(SaleorApiError, match=r"could not be reached.*gave up after 3 attempts"):
        client.execute(STAMPS, {"first": 1})
    assert len(slept) == 2


def test_partial_answers_keep_what_resolved_and_amounts_are_decimal(saleor):
    saleor.unreadable = {"1"}
    client, _ = client_for(saleor.url)
    data, errors = client.execute_partial("query LtvOrders($first: Int!) { x }", {"first": 10})
    assert data["orders"] is None and data["refs"]["edges"][0]["node"]["number"] == "1"
    assert "Order.origin" in errors[0]["message"]
    with pytest.raises(ValueError, match="api_url"):
        SaleorClient("ftp://shop.example/graphql/", TOKEN)
