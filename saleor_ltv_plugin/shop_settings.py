"""A shop's settings kept in its own database: the external App's settings provider, and the one
way to change them (the Dashboard's Settings page, over GraphQL).

`stored_settings` is the provider a host installs (Host.settings_provider) when the shop has no
Plugins page of its own; it reads the one SettingsDocument row, cached a few seconds per process
and per shop, and a write here forgets the cache at once. `update` validates the whole new document
with conf.py's own validation and writes it in one transaction with a record of the names changed.
The standalone host reads the same document over Django's LTV_PLUGIN (`layered_over`): the
deployment's values are where the shop starts, what is saved here wins. Where the host reads its
settings elsewhere (inside Saleor: its Plugins page; standalone with LTV_SETTINGS_IN_DATABASE off:
LTV_PLUGIN alone) `update` refuses, saying where they are edited.

Writing follows ltvScenarioUpdate's params: a name left out is unchanged, null restores the
default (for a secret: clears it), and "" for a secret keeps it (a blank password box means
"leave it"), since secrets are never read back: reading says only whether each is set. Stored,
they are encrypted where the host has a key (settings_seal.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from . import conf, db, hosts, settings_seal, tenancy
from .models import SettingsChange, SettingsDocument
from .models.settings import DOCUMENT_ID

CACHE_SECONDS = 5.0
OVERRIDES = "channel_overrides"

# The Settings page's sections, in order (ltvShopSettings.groups); every name of conf.SETTING_NAMES is in
# exactly one.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sender", ("sender_name", "sender_email", "sender_postal_address", "default_language")),
    ("mail_server", ("smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password")),
    ("links", ("public_url", "shop_url", "checkout_url_template", "product_url_template")),
    ("sending_rules", ("consent_mode", "consent_metadata_key", "quiet_hours_start", "quiet_hours_end",
                       "frequency_cap_per_week")),
    ("staff_alerts", ("staff_alert_emails", "staff_webhook_url", "staff_webhook_secret")),
    ("line", ("line_channel_access_token", "line_channel_secret", "line_api_url", "line_account_link_url")),
    ("sms", ("sms_provider", "sms_max_segments", "sms_per_second", "twilio_account_sid", "twilio_auth_token", "twilio_from",
             "twilio_messaging_service_sid", "twilio_api_url")),
    ("accounts", ("account_key", "account_metadata_key", "company_membership", "company_membership_metadata_key",
                  "merge_same_day_orders", "timezone",
                  "prospect_channel")),
    ("thresholds", ("new_customer_days", "dormant_after_days", "lost_after_days", "loyal_min_repeats",
                    "abandoned_checkout_minutes", "reconcile_window_days")),
    ("measurement", ("attribution_window_days", "holdout_percent", "tool_cost_per_month",
                     "utm_source_metadata_key", "utm_medium_metadata_key", "utm_campaign_metadata_key")),
    ("contact_data", ("line_user_id_metadata_key", "birthday_metadata_key", "department_metadata_key")),
    ("channels", (OVERRIDES,)),
)
GROUP_OF = {name: group for group, names in GROUPS for name in names}
_DEFAULTS = conf.ChannelSettings()
CHANNEL_NAMES = tuple(f.name for f in fields(conf.ChannelSettings))


# --- reading: the provider ----------------------------------------------------------------------
# The App serves many shops from one process: the cache is per shop (tenancy), and per database.
_cache: dict[Hashable, tuple[float, dict[str, Any]]] = {}


def _cache_key() -> Hashable:
    return (connection.settings_dict["NAME"], tenancy.current())


def stored_settings() -> dict[str, Any]:
    """The shop's stored settings document ({} before the first save): a host's settings provider."""
    key, now = _cache_key(), time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return dict(hit[1])
    values = SettingsDocument.objects.filter(pk=DOCUMENT_ID).values_list("values", flat=True).first() or {}
    values = settings_seal.opened(values)
    _cache[key] = (now, values)
    return dict(values)


def layered_over(base: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """A provider: `base()` (the deployment's values) with the stored document over it. Before the
    first `migrate` made the document's table, `base()` alone (system checks run before it)."""
    def provider() -> dict[str, Any]:
        values = base()
        if _table_ready():
            values.update(stored_settings())
        return values

    provider.base = base  # update() validates the document as it will be read: over the base
    return provider


_tables_seen: set[str] = set()


def _table_ready() -> bool:
    name = connection.settings_dict["NAME"]
    if name not in _tables_seen and SettingsDocument._meta.db_table in connection.introspection.table_names():
        _tables_seen.add(name)
    return name in _tables_seen


def forget_cached() -> None:
    """Drop this shop's cached document in this process (a write did; other processes wait it out)."""
    _cache.pop(_cache_key(), None)


def is_stored(host: hosts.Host | None = None) -> bool:
    """Whether the host's settings are the stored ones (so this module's update applies)."""
    host = host or hosts.current()
    provider = host.settings_provider if host is not None else None
    return provider is not None and (provider is stored_settings or hasattr(provider, "base"))


GENERIC_HOME = {"ja": "このホストの設定の読み込み元で編集します。", "en": "Edited where this host reads its settings from."}


def settings_home(host: hosts.Host | None = None) -> dict[str, str] | None:
    """Where the host's settings are edited ({"ja", "en"}), or None when it is here."""
    host = host or hosts.current()
    if is_stored(host):
        return None
    return (host.settings_home if host is not None else None) or GENERIC_HOME


# --- reading: what the Settings page shows ------------------------------------------------------
@dataclass(frozen=True)
class SettingRow:
    name: str
    group: str
    kind: str  # boolean, integer, choice, string, secret, json
    value: Any  # the value in force; None for a secret
    default: Any
    is_set: bool  # not empty; for a secret the only thing shown
    choices: tuple[str, ...] = ()


def kind_of(name: str) -> str:
    if name == OVERRIDES:
        return "json"
    if name in conf.SECRET_SETTINGS:
        return "secret"
    if name in conf.CHOICES:
        return "choice"
    default = getattr(_DEFAULTS, name)
    return "boolean" if isinstance(default, bool) else "integer" if isinstance(default, int) else "string"


def masked_overrides(overrides: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The overrides with each secret's value "" (sent back as it is, "" keeps it), and the paths
    (channel_overrides.<slug>.<name>) of the secrets that are set."""
    shown, secrets_set = {}, []
    for slug, values in overrides.items():
        shown[slug] = {}
        for name, value in values.items():
            if name in conf.SECRET_SETTINGS:
                if str(value or "").strip():
                    secrets_set.append(f"{OVERRIDES}.{slug}.{name}")
                value = ""
            shown[slug][name] = value
    return shown, secrets_set


@dataclass(frozen=True)
class Reading:
    rows: list[SettingRow]
    overrides: dict[str, dict[str, Any]]  # secrets masked
    override_secrets_set: list[str]
    editable: bool
    home: dict[str, str] | None
    updated_at: Any
    updated_by: str


def read() -> Reading:
    """Every setting in force with its kind and default, secrets masked; from wherever the current
    host reads them (so the page shows the values in force even where it cannot edit them)."""
    raw = conf.raw_settings()
    base = conf.get_settings().base
    rows = []
    for name in CHANNEL_NAMES:
        value, kind = getattr(base, name), kind_of(name)
        rows.append(SettingRow(name=name, group=GROUP_OF[name], kind=kind, value=None if kind == "secret" else value,
                               default=None if kind == "secret" else getattr(_DEFAULTS, name),
                               is_set=bool(value.strip()) if isinstance(value, str) else True,
                               choices=tuple(conf.CHOICES.get(name, ()))))
    try:
        overrides = conf.parse_channel_overrides(raw.get(OVERRIDES))
    except conf.SettingsError:
        overrides = {}  # conf.get_settings ignores them too
    overrides = {slug: {k: v for k, v in values.items() if k in CHANNEL_NAMES} for slug, values in overrides.items()}
    shown, secrets_set = masked_overrides(overrides)
    rows.append(SettingRow(name=OVERRIDES, group=GROUP_OF[OVERRIDES], kind="json", value=shown, default={},
                           is_set=bool(shown)))
    document = SettingsDocument.objects.filter(pk=DOCUMENT_ID).first() if is_stored() else None
    return Reading(rows=rows, overrides=shown, override_secrets_set=secrets_set, editable=is_stored(),
                   home=settings_home(), updated_at=document.updated_at if document else None,
                   updated_by=document.updated_by if document else "")


# --- writing ------------------------------------------------------------------------------------
# conf.py's reasons are English (some carry their Japanese in brackets); the page shows these.
_REASONS_JA: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), ja) for p, ja in (
    (r"^unknown setting$", "未知の設定名です"),
    (r"^must be true or false$", "true か false を指定してください"),
    (r"^must be a whole number$", "整数を指定してください"),
    (r"^must not be negative$", "0 以上を指定してください"),
    (r"^must not be empty$", "空にはできません"),
    (r"^must be one of (.+)$", r"次のいずれかを指定してください：\1"),
    (r"^must be an hour from 0 to 23$", "0〜23 の時を指定してください"),
    (r"^must be at most (\d+)$", r"\1 以下を指定してください"),
    (r"^must be from (\d+) to (\d+)$", r"\1〜\2 を指定してください"),
    (r"^must be an http\(s\) URL$", "http:// か https:// で始まる URL を指定してください"),
    (r"^unknown placeholder (\{\w*\}); use (.+)$", r"未知の差し込み項目 \1 です。使えるのは \2"),
    (r"^unknown time zone (.+)$", r"未知のタイムゾーンです：\1"),
    (r"^not valid JSON \((.+)\)$", r"JSON として読めません（\1）"),
    (r"^must be an object: .+$", "{チャネルのスラッグ: {設定名: 値}} の形の JSON オブジェクトにしてください"),
    (r"^must be a host name such as (\S+) .*$", r"ホスト名だけを指定してください（例：\1。スキーム・ポート・パスは不要）"),
    (r"^must be starttls or ssl when a password is set.*$", "パスワードを設定するときは starttls か ssl を指定してください（暗号化なしでは送れません）"),
    (r"^must be (.+)$", r"次の形式で指定してください：\1"),
))
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def reason_ja(reason: str) -> str | None:
    """conf.py's reason in Japanese, where it is known (None: show the English)."""
    if _JAPANESE.search(reason):
        return reason
    for pattern, ja in _REASONS_JA:
        if pattern.match(reason):
            return pattern.sub(ja, reason)
    return None


class SettingsElsewhere(Exception):
    """The current host does not read the stored settings: editing them here would change nothing."""

    def __init__(self, host_name: str, home: dict[str, str]):
        self.host_name, self.home = host_name, home
        self.message_ja = f"このデプロイ（{host_name}）はここに保存した設定を読みません。{home['ja']}"
        super().__init__(f"this deployment ({host_name}) does not read the settings stored here. {home['en']}")


def _merge_overrides(old: dict[str, dict[str, Any]], new: Any) -> Any:
    """The new overrides, where a secret sent as "" keeps the stored one (null: not overridden)."""
    new = conf.parse_channel_overrides(new)  # SettingsError naming channel_overrides
    merged = {}
    for slug, values in new.items():
        kept = {}
        for name, value in values.items():
            if name in conf.SECRET_SETTINGS and value == "":
                if name in old.get(slug, {}):
                    kept[name] = old[slug][name]
            elif value is not None:
                kept[name] = value
        merged[slug] = kept
    return merged


def merged_document(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`current` with `changes` applied (not yet validated): left out unchanged, null → default,
    "" for a secret → kept."""
    document = dict(current)
    for name, value in changes.items():
        if value is None:
            document.pop(name, None)
        elif name in conf.SECRET_SETTINGS and value == "":
            continue
        elif name == OVERRIDES:
            document[name] = _merge_overrides(conf.parse_channel_overrides(current.get(OVERRIDES)), value)
        else:
            document[name] = value
    return document


def validated(document: dict[str, Any]) -> dict[str, Any]:
    """The document as conf.py reads it (numbers as numbers …), or SettingsError naming every field
    at fault: unknown names too (conf.build_settings only reads the names it knows)."""
    errors = {name: "unknown setting" for name in document if name not in conf.SETTING_NAMES}
    try:
        shop = conf.build_settings({k: v for k, v in document.items() if k in conf.SETTING_NAMES})
    except conf.SettingsError as exc:
        errors.update(exc.errors)
    if errors:
        raise conf.SettingsError(errors)
    clean = {name: getattr(shop.base, name) for name in document if name in CHANNEL_NAMES}
    overrides = conf.parse_channel_overrides(document.get(OVERRIDES))
    if overrides:
        clean[OVERRIDES] = {slug: {name: getattr(shop.for_channel(slug), name) for name in values}
                            for slug, values in overrides.items()}
    return clean


def changed_names(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The names whose value differs (channel_overrides.<slug>.<name> for an override): names only."""
    names = sorted(n for n in set(old) | set(new) if n != OVERRIDES and old.get(n) != new.get(n))
    before, after = old.get(OVERRIDES) or {}, new.get(OVERRIDES) or {}
    for slug in sorted(set(before) | set(after)):
        a, b = before.get(slug, {}), after.get(slug, {})
        names += [f"{OVERRIDES}.{slug}.{n}" for n in sorted(set(a) | set(b)) if a.get(n) != b.get(n)]
    return names


def update(changes: dict[str, Any], by: str) -> list[str]:
    """Apply `changes` ({name: value}) to the shop's stored settings and return the names changed.

    Raises SettingsElsewhere where the host reads its settings elsewhere, and SettingsError naming
    every field at fault; either way nothing is written. Concurrent saves queue on the row lock."""
    if not is_stored():
        host = hosts.current()
        raise SettingsElsewhere(host.name if host else "none", settings_home())
    if not isinstance(changes, dict):
        raise conf.SettingsError({"input": "must be an object: {setting name: value}"})
    with db.writer(), transaction.atomic():
        SettingsDocument.objects.bulk_create([SettingsDocument(pk=DOCUMENT_ID)], ignore_conflicts=True)
        document = SettingsDocument.objects.select_for_update().get(pk=DOCUMENT_ID)
        current = settings_seal.opened(document.values)
        new = validated(merged_document(current, changes))
        base = getattr(hosts.current().settings_provider, "base", None)
        if base is not None:  # the values as they will be read: a sender block half here, half there
            validated({**{k: v for k, v in base().items() if k in conf.SETTING_NAMES}, **new})
        names = changed_names(current, new)
        if names or document.values != settings_seal.sealed(document.values):  # … or a secret stored plain
            now = timezone.now()
            document.values, document.updated_at, document.updated_by = settings_seal.sealed(new), now, by
            document.save()
            if names:
                SettingsChange.objects.create(changed_at=now, changed_by=by, names=names)
            transaction.on_commit(forget_cached)  # a read between now and the commit cached the old
    forget_cached()
    return names


def recent_changes(first: int = 20) -> list[SettingsChange]:
    return list(SettingsChange.objects.order_by("-changed_at", "-id")[: max(0, min(first, 100))])
