"""Saleor's identifiers: global ids ↔ pks, and the references a capture records per object."""

from __future__ import annotations

from graphql_relay import from_global_id, to_global_id


def order_ref(order_id) -> str:
    return f"order:{order_id}"


def checkout_ref(token) -> str:
    return f"checkout:{token}"


def user_ref(user_id) -> str:
    return f"user:{user_id}"


def global_id(type_name: str, pk) -> str:
    """Saleor's global id: base64 of "<Type>:<pk>", as graphene's relay makes it."""
    return to_global_id(type_name, str(pk))


def pk_from_global_id(value: str, type_name: str) -> str:
    """Saleor's global ID ("User:42" in base64) or a bare pk, as the Dashboard passes either.

    ValueError says why the value is no `type_name` id.
    """
    try:
        kind, pk = from_global_id(value)
    except Exception:  # not base64 / no colon: a bare pk
        kind, pk = "", ""
    if kind and kind != type_name:
        raise ValueError(f"is a {kind} id, expected a {type_name} id")
    pk = pk if kind else value
    if not pk or len(pk) > 64:
        raise ValueError("is not a Saleor id")
    return pk
