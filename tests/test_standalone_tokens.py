"""Standalone Dashboard tokens: Saleor's app-extension claims, signed with a key of ours."""

import base64
import json
import time

import pytest
from django.test import Client

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.hosts.standalone import tokens

GRAPHQL = "/plugins/global/saleor.ltv/graphql/"


def claims(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_minted_token_carries_saleors_claim_names_and_resolves_to_its_permissions():
    token = tokens.mint("a@b.c", ["MANAGE_USERS", "MANAGE_PLUGINS"])
    c = claims(token)
    assert c["type"] == "thirdparty" and c["email"] == "a@b.c"
    assert c["user_permissions"] == ["MANAGE_PLUGINS", "MANAGE_USERS"] == c["permissions"]
    who = tokens.resolve(None, token)
    assert who.permissions == {"MANAGE_USERS", "MANAGE_PLUGINS"}
    assert who.can(auth.Scope.READ) and who.can(auth.Scope.SETTINGS) and not who.can(auth.Scope.INGEST)


def test_app_permissions_cap_the_users_as_in_saleor():
    token = tokens.mint("a@b.c", ["MANAGE_USERS", "MANAGE_ORDERS"], app_permissions=["MANAGE_USERS"])
    assert tokens.resolve(None, token).permissions == {"MANAGE_USERS"}


def test_tampered_expired_and_foreign_tokens():
    head, body, sig = tokens.mint("a@b.c", ["MANAGE_USERS"]).split(".")
    forged = base64.urlsafe_b64encode(json.dumps({**claims(f"{head}.{body}.x"), "permissions": ["MANAGE_PLUGINS"]})
                                      .encode()).rstrip(b"=").decode()
    with pytest.raises(auth.AuthError, match="signature"):
        tokens.resolve(None, f"{head}.{forged}.{sig}")
    with pytest.raises(auth.AuthError, match="expired"):
        tokens.resolve(None, tokens.mint("a@b.c", ["MANAGE_USERS"], ttl_seconds=-1))
    other = base64.urlsafe_b64encode(json.dumps({"iss": "https://saleor.example/", "exp": time.time() + 60})
                                     .encode()).rstrip(b"=").decode()
    assert tokens.resolve(None, f"{head}.{other}.{sig}") is None  # Saleor's own: not ours to judge
    assert tokens.resolve(None, "not-a-jwt") is None


@pytest.mark.django_db
def test_the_standalone_server_accepts_them_and_enforces_their_permissions():
    client = Client()
    ok = client.post(GRAPHQL, {"query": "{ ltvChannels { channel } }"}, content_type="application/json",
                     HTTP_AUTHORIZATION="Bearer " + tokens.mint("a@b.c", ["MANAGE_ORDERS"]))
    assert ok.status_code == 200 and ok.json() == {"data": {"ltvChannels": []}}
    denied = client.post(GRAPHQL, {"query": "{ ltvChannels { channel } }"}, content_type="application/json",
                         HTTP_AUTHORIZATION="Bearer " + tokens.mint("a@b.c", ["MANAGE_PLUGINS"]))
    assert denied.json()["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    expired = client.post(GRAPHQL, {"query": "{ ltvChannels { channel } }"}, content_type="application/json",
                          HTTP_AUTHORIZATION="Bearer " + tokens.mint("a@b.c", ["MANAGE_ORDERS"], ttl_seconds=-5))
    assert expired.status_code == 401
