"""A scored demo shop shared by a module's tests, and a client that speaks GraphQL."""

from datetime import datetime, timezone

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.demo.loader import load_shop
from saleor_ltv_plugin.demo.synthetic import generate_shop
from saleor_ltv_plugin.metrics.recompute import recompute

URL = "/plugins/global/saleor.ltv/graphql/"
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)  # the demo shop ends 2026-11-01


def truncate_plugin_tables() -> None:
    tables = [m._meta.db_table for m in apps.get_app_config("saleor_ltv_plugin").get_models()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


@pytest.fixture(scope="module")
def scored_shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        truncate_plugin_tables()
        shop = generate_shop(n_companies=120, seed=7)
        load_shop(shop)
        recompute(now=NOW)
        yield shop
        truncate_plugin_tables()


@pytest.fixture
def key_for(db):
    def make(*scopes):
        raw, _ = auth.new_api_key("test", scopes or [auth.Scope.READ.value])
        return raw

    return make


class GraphQLClient:
    def __init__(self):
        self.client = Client()

    def post(self, query, variables=None, token=None, **extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        body = {"query": query, "variables": variables or {}}
        return self.client.post(URL, body, content_type="application/json", **headers, **extra)

    def __call__(self, query, variables=None, token=None):
        response = self.post(query, variables, token)
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def gql():
    return GraphQLClient()


@pytest.fixture
def as_customer():
    """Resolve `customer:<user id>` tokens to a customer, as plugin.py does with Saleor's JWTs
    (the Saleor tier tests the real tokens; here only our side of the seam)."""

    def resolver(request, token):
        if token.startswith("customer:"):
            return auth.Principal(kind="customer", user_id=token.split(":", 1)[1])
        return None

    auth.set_token_resolver(resolver)
    yield lambda user_id: f"customer:{user_id}"
    auth.set_token_resolver(None)
