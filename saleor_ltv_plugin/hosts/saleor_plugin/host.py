"""The Saleor plugin host: Saleor's tokens, its saved plugin configuration, the ORM applier for the
references the hooks record, Saleor's writer context, and Saleor's route for the plugin."""

from __future__ import annotations

from saleor.core.db.connection import allow_writer

from ...models import Source
from .. import Host
from ..saleor.staff import STAFF_HOME
from . import URL_PREFIX, recorder
from .auth import saleor_principal
from .config import SETTINGS_HOME, saved_configuration
from .mapping import apply_saleor_events
from .sync import reconcile_orders


def build(django_settings) -> Host:
    recorder.connect()
    return Host(name="saleor_plugin", url_prefix=URL_PREFIX, token_resolver=saleor_principal,
                settings_provider=saved_configuration, settings_home=SETTINGS_HOME, capture_source=Source.SALEOR,
                inbox_applier=apply_saleor_events, writer=allow_writer,
                reconcile_orders=reconcile_orders, staff_home=STAFF_HOME)
