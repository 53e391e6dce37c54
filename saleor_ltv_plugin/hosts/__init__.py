"""How the app is hosted: the only place that knows Saleor.

    hosts/
      saleor/          Saleor's rules both Saleor hosts share (ids, refunds, metadata, the manifest);
                       imports no Saleor, so an external App can use it too
      saleor_plugin/   in-process inside Saleor: hooks, Saleor's tokens, ORM mapping, backfill,
                       reconcile, the Plugins configuration page
      standalone/      off Saleor: settings module, Celery app, Dashboard harness, demo tokens

A host is chosen once at start-up (apps.ready → `install(choose())`) and installs its seams in
one call: who resolves bearer tokens, where settings come from, who applies the inbound events
its own capture records, the context every write runs in, the URL prefix (and, for the tasks, how it reconciles). The layers below
(ingest, engine, metrics, automation, the APIs) only ever see these seams.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from .. import auth, conf, db

NAMES = ("saleor_plugin", "saleor_app", "standalone")


@dataclass(frozen=True)
class Host:
    name: str
    url_prefix: str
    token_resolver: auth.Resolver | None = None  # Saleor's JWTs and app tokens; API keys work everywhere
    settings_provider: Callable[[], dict[str, Any]] | None = None  # None: Django's LTV_PLUGIN
    # Where an admin edits this host's settings ({"ja": …, "en": …}), for the Dashboard's Settings
    # page to say so; unused where the provider is the stored one that page edits (shop_settings.py).
    settings_home: dict[str, str] | None = None
    # The events this host's own capture records (source, applier); other sources carry their facts.
    capture_source: str | None = None
    inbox_applier: Callable[[list], None] | None = None
    writer: Callable[[], AbstractContextManager] = nullcontext
    # Repairs what capture missed over a window (timedelta → counts); None where the shop's data
    # arrives by REST and files only.
    reconcile_orders: Callable[..., dict] | None = None
    # Encrypts the secrets of the stored settings at rest (settings_seal.py); None: stored as given.
    seal_secret: Callable[[str], str] | None = None
    open_secret: Callable[[str], str] | None = None
    # Who signs in to the Dashboard pages: a module with users/create/set_scopes/set_active/
    # set_password (standalone's own logins); None where the staff are someone else's (Saleor's),
    # and staff_home says where they are managed ({"ja": …, "en": …}).
    staff_users: Any = None
    staff_home: dict[str, str] | None = None


_current: Host | None = None


def choose(django_settings, apps) -> Host:
    """LTV_HOST when set, else the Saleor plugin inside Saleor and standalone elsewhere."""
    name = getattr(django_settings, "LTV_HOST", "") or (
        "saleor_plugin" if apps.is_installed("saleor.plugins") else "standalone")
    if name not in NAMES:
        raise conf.SettingsError({"LTV_HOST": f"unknown host {name!r}; known: {', '.join(NAMES)}"})
    return import_module(f"{__name__}.{name}.host").build(django_settings)


def install(host: Host) -> None:
    """Install every seam of `host` at once (start-up; tests swap hosts the same way)."""
    from ..ingest import inbox  # ingest's models need the app registry: not at import time

    global _current
    auth.set_token_resolver(host.token_resolver)
    conf.set_provider(host.settings_provider)
    conf.set_url_prefix(host.url_prefix)
    inbox.set_host_applier(host.capture_source, host.inbox_applier)
    db.set_writer_context(host.writer)
    _current = host


def current() -> Host | None:
    return _current
