"""Move a shop's history from the plugin's tables (in Saleor's own database) into its App schema.

The plugin and the App keep the same tables and the same facts (`source = saleor`, Saleor's own
order, line, user and checkout ids), so a copy of the rows is the whole move: afterwards the App's
webhooks update the orders the plugin captured instead of adding new ones.

The source is only a database URL (no Saleor import): it is read in one REPEATABLE READ, READ ONLY
transaction, so every table and its count come from one snapshot and nothing can be written there.
The target is the shop's schema entered around the call (tenancy.enter, as `ltv_shop` does); all of
it — truncate, COPY, sequences, the count check — is one transaction on Django's connection, so a
refusal or a failure leaves the shop as it was. Rows stream block by block between the two COPYs
(binary: the column types are checked equal first); no table is ever held in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from django.apps import apps
from django.db import connection, transaction

from ... import conf
from ...models import InboundEvent, InboundStatus, Source
from ..saleor.ids import global_id
from .payloads import REFETCH, REFETCH_TYPES

APP_LABEL = "saleor_ltv_plugin"
OPTION = "--from"


class MoveRefused(Exception):
    """Why nothing was written; the message names the option to change."""


@dataclass(frozen=True)
class Copied:
    table: str
    source_rows: int
    target_rows: int


def plugin_tables() -> list[str]:
    """Every table of the main app (m2m tables included), from its Django models."""
    models = apps.get_app_config(APP_LABEL).get_models(include_auto_created=True)
    return sorted({model._meta.db_table for model in models})


def redacted(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def open_source(url: str) -> psycopg.Connection:
    """The plugin's database, in one read-only snapshot."""
    try:
        source = psycopg.connect(url, connect_timeout=10)
    except (psycopg.Error, ValueError) as exc:
        raise MoveRefused(f"{OPTION}: cannot connect to {redacted(url)}: {str(exc).strip()}") from None
    source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    return source


# --- what both sides hold ---------------------------------------------------------------------------------

_COLUMNS = """
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = {schema} AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)
      AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    ORDER BY c.relname, a.attnum"""
_MIGRATIONS = "SELECT name FROM {table} WHERE app = %s"


def _columns(rows) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        found.setdefault(table, []).append((column, kind))
    return found


def check_same_schema(source: psycopg.Connection, source_schema: str, tables: list[str]) -> dict[str, list[str]]:
    """The columns to copy per table, once the plugin's tables and migrations are the shop's."""
    theirs = _columns(source.execute(_COLUMNS.format(schema="%s"), (source_schema, tables)).fetchall())
    if not theirs:
        raise MoveRefused(f"{OPTION}: no saleor_ltv_plugin tables in schema {source_schema!r} of that database "
                          "(is it Saleor's database, with the plugin migrated?)")
    with connection.cursor() as cursor:
        cursor.execute(_MIGRATIONS.format(table="django_migrations"), [APP_LABEL])
        ours_applied = {name for (name,) in cursor.fetchall()}
        cursor.execute(_COLUMNS.format(schema="current_schema()"), [tables])
        ours = _columns(cursor.fetchall())
    try:
        theirs_applied = {name for (name,) in source.execute(
            _MIGRATIONS.format(table=f'"{source_schema}".django_migrations'), (APP_LABEL,))}
    except psycopg.Error:
        raise MoveRefused(f"{OPTION}: no django_migrations table in schema {source_schema!r}") from None
    if theirs_applied != ours_applied:
        plugin_only, app_only = sorted(theirs_applied - ours_applied), sorted(ours_applied - theirs_applied)
        raise MoveRefused(
            f"{OPTION}: the plugin's migrations differ from this shop's — only in the plugin: "
            f"{', '.join(plugin_only) or '-'}; only in the app: {', '.join(app_only) or '-'}. Upgrade the one "
            "behind (the same saleor-ltv-plugin version in Saleor + migrate, or in the app + ltv_migrate_shops) "
            "and run this again.")
    differ = sorted(table for table in tables if theirs.get(table) != ours.get(table))
    if differ:
        raise MoveRefused(f"{OPTION}: same migrations but different columns in {', '.join(differ)}: "
                          "the plugin's tables were changed by hand; nothing was copied")
    return {table: [column for column, _kind in ours[table]] for table in tables}


def tables_with_rows(tables: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {q(t)})" for t in tables))
        return [table for (table,) in cursor.fetchall()]


def q(name: str) -> str:
    return connection.ops.quote_name(name)


# --- the copy ---------------------------------------------------------------------------------------------

def copy_table(source: psycopg.Connection, source_schema: str, table: str, columns: list[str]) -> Copied:
    listed, theirs = ", ".join(q(column) for column in columns), f"{q(source_schema)}.{q(table)}"
    with connection.cursor() as target, source.cursor() as reader:
        with reader.copy(f"COPY (SELECT {listed} FROM {theirs}) TO STDOUT (FORMAT BINARY)") as out, \
                target.cursor.copy(f"COPY {q(table)} ({listed}) FROM STDIN (FORMAT BINARY)") as into:
            for block in out:
                into.write(block)
        (source_rows,) = reader.execute(f"SELECT count(*) FROM {theirs}").fetchone()
        target.execute(f"SELECT count(*) FROM {q(table)}")
        (target_rows,) = target.fetchone()
    return Copied(table, source_rows, target_rows)


_OWNED_SEQUENCES = """
    SELECT seq.relname, tbl.relname, att.attname
    FROM pg_depend d
    JOIN pg_class seq ON seq.oid = d.objid AND seq.relkind = 'S'
    JOIN pg_namespace n ON n.oid = seq.relnamespace
    JOIN pg_class tbl ON tbl.oid = d.refobjid
    JOIN pg_attribute att ON att.attrelid = tbl.oid AND att.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND n.nspname = current_schema()"""


def reset_sequences() -> int:
    """Every identity or serial sequence of the shop's schema past its column's max: the next insert
    gets a fresh id. Returns how many were set."""
    with connection.cursor() as cursor:
        cursor.execute(_OWNED_SEQUENCES)
        owned = cursor.fetchall()
        for sequence, table, column in owned:
            top = f"(SELECT max({q(column)}) FROM {q(table)})"
            cursor.execute(f"SELECT setval(%s::regclass, COALESCE({top}, 0) + 1, false)", [q(sequence)])
    return len(owned)


def app_event(event: InboundEvent) -> tuple[str, dict] | None:
    """A plugin's pending reference (kind + object id, read back from Saleor's ORM when applied) as the
    App applies it: re-read through Saleor's API (a refetch), or an erasure that carries its ids."""
    if event.payload.get("user_id"):
        return "erase", {"user_id": event.payload["user_id"], "email": event.payload.get("email", "")}
    object_type, _, key = event.object_ref.partition(":")
    if object_type not in REFETCH_TYPES or not key:
        return None
    return REFETCH, {"type": object_type, "id": global_id(REFETCH_TYPES[object_type], key)}


def convert_pending_references() -> int:
    """The plugin's Saleor events not yet applied hold no fact the App could apply: make them refetches."""
    pending = list(InboundEvent.objects.filter(source=Source.SALEOR, status__in=[InboundStatus.PENDING,
                                                                                  InboundStatus.FAILED]))
    for event in pending:
        converted = app_event(event)
        if converted is None:
            event.status, event.last_error = InboundStatus.DEAD, "moved from the plugin: no object to re-read"
        else:
            event.kind, event.payload = converted
    InboundEvent.objects.bulk_update(pending, ["kind", "payload", "status", "last_error"])
    return len(pending)


def plugin_settings(source: psycopg.Connection, source_schema: str) -> dict:
    """What the admin changed on Saleor's Plugins page (the plugin reads its settings from Saleor's
    `plugins_pluginconfiguration`, not from its own tables); {} where there is none (no Saleor)."""
    from ..saleor_plugin import PLUGIN_ID
    from ..saleor_plugin.config import DEFAULT_CONFIGURATION  # the plugin's own defaults: only changes move

    (table,) = source.execute("SELECT to_regclass(%s)", (f'"{source_schema}".plugins_pluginconfiguration',)).fetchone()
    if table is None:
        return {}
    row = source.execute(f"SELECT configuration FROM {table} WHERE identifier = %s AND channel_id IS NULL",
                         (PLUGIN_ID,)).fetchone()
    defaults = {item["name"]: item["value"] for item in DEFAULT_CONFIGURATION}
    saved = {item["name"]: item["value"] for item in (row[0] if row else None) or []}
    return {name: value for name, value in saved.items()
            if name in conf.SETTING_NAMES and value != defaults.get(name)}


def store_settings(changes: dict) -> list[str]:
    """Into the shop's own settings (the App's Settings page edits them), validated as there."""
    from ... import shop_settings

    try:
        return shop_settings.update(changes, by="ltv_import_plugin_data") if changes else []
    except shop_settings.SettingsElsewhere:
        raise MoveRefused("LTV_HOST: the shop's settings are the App's only with LTV_HOST=saleor_app") from None
    except conf.SettingsError as exc:
        raise MoveRefused(f"{OPTION}: the plugin's settings do not validate in the app: "
                          f"{'; '.join(f'{name}: {error}' for name, error in sorted(exc.errors.items()))}") from None


@dataclass(frozen=True)
class Moved:
    copied: list[Copied]
    sequences: int
    references: int
    settings: list[str]


def move(url: str, *, replace: bool = False, source_schema: str = "public",
         progress: Callable[[Copied], None] = lambda copied: None) -> Moved:
    """Copy every plugin table from the database at `url` into the shop entered, or refuse (MoveRefused)
    having written nothing."""
    tables = plugin_tables()
    source = open_source(url)
    try:
        columns = check_same_schema(source, source_schema, tables)
        with transaction.atomic():
            with connection.cursor() as cursor:  # no webhook writes between the look and the truncate
                cursor.execute(f"LOCK TABLE {', '.join(q(t) for t in tables)} IN ACCESS EXCLUSIVE MODE")
            held = tables_with_rows(tables)
            if held and not replace:
                raise MoveRefused(f"--replace: this shop already holds data ({', '.join(held)}); pass --replace "
                                  "to replace it with the plugin's, or pick the right shop")
            with connection.cursor() as cursor:
                # Every foreign key of the app is DEFERRABLE (Django makes them so) and they form cycles
                # (a flow ↔ its live version): checked once every table is in (IMMEDIATE below).
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(f"TRUNCATE {', '.join(q(t) for t in tables)}")
            copied = []
            for table in tables:
                copied.append(copy_table(source, source_schema, table, columns[table]))
                progress(copied[-1])
            short = [c for c in copied if c.source_rows != c.target_rows]
            if short:
                raise MoveRefused(f"{OPTION}: row counts differ after the copy ({', '.join(c.table for c in short)});"
                                  " nothing was kept")
            sequences = reset_sequences()
            references = convert_pending_references()
            settings = store_settings(plugin_settings(source, source_schema))
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a broken reference fails here, inside
        return Moved(copied, sequences, references, settings)
    finally:
        source.rollback()
        source.close()
