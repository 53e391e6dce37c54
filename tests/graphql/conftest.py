"""GraphQL test client (the shared shop and credentials fixtures live in tests/conftest.py)."""

import pytest
from django.test import Client

from ..conftest import NOW  # noqa: F401 — re-exported for the tests here

URL = "/plugins/global/saleor.ltv/graphql/"


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
