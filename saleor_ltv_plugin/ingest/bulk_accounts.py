"""Contacts, accounts and their links for a batch of orders, merged set-based (bulk_orders).

Contacts get only the fields they lacked (identity.upsert_contacts' rules; a ref with metadata or a
company flag goes through it instead); an account's first display name seen wins; a link's first
and last order times only widen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..models import Account, AccountContact, Contact
from .account_keys import normalise_email
from .bulk_stage import Stage, table
from .identity import ADDRESS_FIELDS, EXTERNAL, by_lookup, reach_values, upsert_contacts


@dataclass(frozen=True)
class StoredContact:
    """What the account key rule reads of a contact (the ORM path's Contact has the same names)."""

    pk: int
    saleor_user_id: str | None
    email: str
    external_key: str
    first_name: str
    last_name: str
    metadata: dict
    linked_account_kind: str = ""  # the shop linked this buyer to an account (ingest/customer_links.py)
    linked_account_key: str = ""
    linked_account_name: str = ""


def plain(ref) -> bool:
    """A ref without metadata or a company flag (files, the demo): its contact is upserted in SQL."""
    return not ref.metadata and ref.company_confirmed is None


REACH = ("phone", "line_user_id", "birthday", *ADDRESS_FIELDS)


def contacts(stage: Stage, refs, now) -> dict:
    wanted = by_lookup(refs)
    if not wanted:
        return {}
    if not all(plain(ref) for ref in wanted.values()):
        return upsert_contacts(wanted.values())  # metadata, consent flags, reach fields: the ORM's rules
    stored = table(Contact)
    stage.create("ltv_stage_contact", "kind char(1), k text, saleor_user_id text, external_key text, email text, "
                 "first_name text, last_name text, company_name text, language_code text, has_address bool, "
                 "phone text, line_user_id text, birthday date, " + ", ".join(f"{f} text" for f in ADDRESS_FIELDS),
                 key="kind, k")
    rows = []
    for (user, email), ref in sorted(wanted.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        kind = "e" if not user else ("x" if user.startswith(EXTERNAL) else "u")
        k = email if kind == "e" else (user[len(EXTERNAL):] if kind == "x" else user)
        reach = reach_values(ref)  # what the ref says; "" / NULL where it is silent
        rows.append((kind, k, str(ref.user_id) if ref.user_id else None, "" if ref.user_id else ref.external_key[:128],
                     normalise_email(ref.email), ref.first_name[:256], ref.last_name[:256], ref.company_name[:256],
                     ref.language_code[:35], bool(ref.address), reach.get("phone", ""), reach.get("line_user_id", ""),
                     reach.get("birthday"), *(reach.get(f, "") for f in ADDRESS_FIELDS)))
    columns = ("kind", "k", "saleor_user_id", "external_key", "email", "first_name", "last_name", "company_name",
               "language_code", "has_address", *REACH)
    stage.fill("ltv_stage_contact", columns, rows)
    stage.cursor.execute(
        f"INSERT INTO {stored} (saleor_user_id, external_key, email, first_name, last_name, company_name, "
        f"language_code, {', '.join(REACH)}, metadata, company_confirmed, marketing_consent, created_at, updated_at) "
        f"SELECT saleor_user_id, external_key, email, first_name, last_name, company_name, language_code, "
        f"{', '.join(REACH)}, '{{}}', false, 'unknown', %s, %s FROM ltv_stage_contact WHERE true ORDER BY kind, k "
        "ON CONFLICT DO NOTHING", (stage.value(now), stage.value(now)))
    match = {"u": "c.saleor_user_id = s.k",
             "x": "c.saleor_user_id IS NULL AND c.external_key = s.k",
             "e": "c.saleor_user_id IS NULL AND c.external_key = '' AND c.email = s.k"}
    profile = ("email", "first_name", "last_name", "company_name", "language_code")
    # As identity.upsert_contacts: a contact gets what it lacked (an address only whole, when it has none).
    texts = (*profile, "phone", "line_user_id")
    no_address = "s.has_address AND c.address_postal_code = '' AND c.address_line1 = ''"
    fill = ", ".join([*(f"{f} = CASE WHEN c.{f} = '' THEN s.{f} ELSE c.{f} END" for f in texts),
                      "birthday = CASE WHEN c.birthday IS NULL THEN s.birthday ELSE c.birthday END",
                      *(f"{f} = CASE WHEN {no_address} THEN s.{f} ELSE c.{f} END" for f in ADDRESS_FIELDS)])
    lacking = " OR ".join([*(f"(c.{f} = '' AND s.{f} <> '')" for f in texts),
                           "(c.birthday IS NULL AND s.birthday IS NOT NULL)", f"({no_address})"])
    found = {}
    for kind, on in match.items():
        if not any(row[0] == kind for row in rows):
            continue
        # Contacts get the fields they lacked, in pk order (the lock order of the ORM path).
        stage.cursor.execute(
            f"UPDATE {stored} AS c SET {fill} FROM ltv_stage_contact s WHERE s.kind = %s AND {on} AND ({lacking})",
            (kind,))
        for pk, k, user_id, email, external_key, first, last, metadata, *linked in stage.rows(
                f"SELECT c.id, s.k, c.saleor_user_id, c.email, c.external_key, c.first_name, c.last_name, c.metadata, "
                f"c.linked_account_kind, c.linked_account_key, c.linked_account_name "
                f"FROM {stored} c JOIN ltv_stage_contact s ON s.kind = %s AND {on}", (kind,)):
            key = (None, k) if kind == "e" else ((EXTERNAL + k, "") if kind == "x" else (k, ""))
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            found[key] = StoredContact(pk, user_id, email, external_key, first, last, metadata or {}, *linked)
    return found


def accounts(stage: Stage, wanted, now) -> dict[tuple[str, str, str, str], int]:
    """Account ids by (channel, currency, kind, key), created when missing; the first display name seen wins."""
    names: dict[tuple[str, str, str, str], str] = {}
    for channel, currency, key in sorted(wanted, key=lambda w: (w[0], w[1], w[2].kind, w[2].key, w[2].display_name)):
        names.setdefault((channel, currency, key.kind, key.key), key.display_name[:255])
    stored = table(Account)
    stage.create("ltv_stage_account", "channel text, currency text, key_kind text, key text, display_name text",
                 key="channel, currency, key_kind, key")
    stage.fill("ltv_stage_account", ("channel", "currency", "key_kind", "key", "display_name"),
               (ident + (name,) for ident, name in names.items()))
    stage.cursor.execute(
        f"INSERT INTO {stored} (channel, currency, key_kind, key, display_name, erased, created_at, updated_at) "
        "SELECT channel, currency, key_kind, key, display_name, false, %s, %s FROM ltv_stage_account WHERE true "
        "ORDER BY channel, currency, key_kind, key ON CONFLICT DO NOTHING", (stage.value(now), stage.value(now)))
    return {(c, cur, kind, key): pk for pk, c, cur, kind, key in stage.rows(
        f"SELECT a.id, a.channel, a.currency, a.key_kind, a.key FROM {stored} a JOIN ltv_stage_account s "
        "USING (channel, currency, key_kind, key)")}


def link_contacts(stage: Stage, orders, current, account_ids, contact_ids) -> None:
    """Each (account, contact) pair's first and last order time, widened where already stored."""
    spans: dict[tuple[int, int], list] = {}
    for idx in current.values():
        if contact_ids[idx] is None:
            continue
        at = orders[idx].created_at
        span = spans.setdefault((account_ids[idx], contact_ids[idx]), [at, at])
        span[0], span[1] = min(span[0], at), max(span[1], at)
    if not spans:
        return
    stage.create("ltv_stage_link", "account_id bigint, contact_id bigint, first_seen_at timestamptz, "
                 "last_seen_at timestamptz")
    stage.fill("ltv_stage_link", ("account_id", "contact_id", "first_seen_at", "last_seen_at"),
               ((a, c, first, last) for (a, c), (first, last) in sorted(spans.items())))
    stage.cursor.execute(
        f"INSERT INTO {table(AccountContact)} AS l (account_id, contact_id, first_seen_at, last_seen_at, "
        "confirmed_by) SELECT account_id, contact_id, first_seen_at, last_seen_at, '' FROM ltv_stage_link WHERE true "
        "ORDER BY account_id, contact_id ON CONFLICT (account_id, contact_id) DO UPDATE SET "
        f"first_seen_at = {stage.least}(l.first_seen_at, EXCLUDED.first_seen_at), "
        f"last_seen_at = {stage.greatest}(l.last_seen_at, EXCLUDED.last_seen_at) "
        "WHERE EXCLUDED.first_seen_at < l.first_seen_at OR EXCLUDED.last_seen_at > l.last_seen_at")
