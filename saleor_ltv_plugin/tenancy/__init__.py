"""Which shop a request or a task works for, where one deployment serves many (the App host).

Each shop (tenant) has its own PostgreSQL schema holding every table of the app, migrated on its
own; what is shared (the installations) stays in `public`. A tenant is *entered* for the length
of a request or a task: the database connection's search_path follows it (base.py, so threads and
reconnects follow too), Celery tasks carry it in a header (celery.py), and a raw SQL statement,
an asyncpg stream or a COPY sees the tenant's tables under their usual names.

Why schemas and not a tenant column: every unique key (orders by source and external id, accounts
by channel and key, checkouts by token, contacts by Saleor user id) would have to grow a tenant,
and every query, bulk COPY and metrics statement with it; a forgotten filter would leak a shop's
customers. With a schema per shop the code keeps its single-shop shape and a forgotten `enter`
finds no tables at all (public has none of the app's) — it fails, it never leaks.

Outside app mode nothing is ever entered and the connection is left alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator

SCHEMA = re.compile(r"^ltv_[a-z0-9_]{1,58}$")
_current: contextvars.ContextVar[tuple[str, bool] | None] = contextvars.ContextVar("ltv_tenant", default=None)


class TenantError(RuntimeError):
    pass


def check_schema(name: str) -> str:
    if not isinstance(name, str) or not SCHEMA.match(name):
        raise TenantError(f"{name!r} is not a tenant schema name (ltv_ followed by a-z, 0-9, _)")
    return name


def current() -> str | None:
    """The schema of the tenant entered in this context, or None."""
    value = _current.get()
    return value[0] if value else None


URL_SEGMENT = "i/"  # <URL prefix>i/<schema>/…: a shop's own routes (links, API keys)


def url_path() -> str:
    """The shop's own routes below the URL prefix ("i/<schema>/"), or "" outside any shop."""
    schema = current()
    return f"{URL_SEGMENT}{schema}/" if schema else ""


def salt(base: str) -> str:
    """A signing salt that differs per shop: a link one shop signed is no key to another's rows."""
    schema = current()
    return f"{base}:{schema}" if schema else base


def search_path() -> str | None:
    """What the connection's search_path must be now; None: leave it as the server set it."""
    value = _current.get()
    if value is None:
        return None
    schema, with_public = value
    return f'"{schema}", public' if with_public else f'"{schema}"'


@contextlib.contextmanager
def enter(schema: str, *, with_public: bool = False) -> Iterator[str]:
    """Work for `schema` inside the block. The shared tables stay out of sight unless asked for: a
    table missing from the shop's schema is then an error, never a write somewhere shared."""
    token = _current.set((check_schema(schema), with_public))
    try:
        yield schema
    finally:
        _current.reset(token)


@contextlib.contextmanager
def leave() -> Iterator[None]:
    """The shared tables only, inside a tenant's block (e.g. looking up an installation)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def create(schema: str) -> None:
    """Create the tenant's schema if need be and bring its tables up to date (idempotent)."""
    from django.core.management import call_command
    from django.db import connection

    check_schema(schema)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    with enter(schema):  # Django finds and creates the shop's own django_migrations there
        call_command("migrate", "saleor_ltv_plugin", verbosity=0, interactive=False)


def drop(schema: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{check_schema(schema)}" CASCADE')


def schemas() -> list[str]:
    """Tenant schemas present in the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ltv\\_%' ORDER BY 1")
        return [name for (name,) in cursor.fetchall() if SCHEMA.match(name)]
