"""The Saleor adapter: the only module that imports Saleor.

Each hook records one reference row in the inbound-event log and returns;
nothing here may raise into Saleor (its PluginsManager does not catch, and
order_created runs inside the buyer's checkoutComplete). The plugin is global,
not per channel: Saleor answers 404 on /plugins/global/<id>/ for per-channel
plugins (PluginsManager.webhook), so per-channel values live in the
`channel_overrides` field instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from saleor.core.db.connection import allow_writer
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField

from . import __version__, app_manifest, auth, conf, db, faults
from .ingest import inbox
from .ingest.saleor_mapping import checkout_ref, order_ref, user_ref
from .models import InboundEvent, Source
from .views import dispatch

logger = logging.getLogger(__name__)

_defaults = conf.ChannelSettings()
_STRING = ConfigurationTypeField.STRING
_BOOLEAN = ConfigurationTypeField.BOOLEAN


_KINDS = {"merge_same_day_orders": _BOOLEAN, "staff_webhook_secret": ConfigurationTypeField.SECRET,
          "line_channel_access_token": ConfigurationTypeField.SECRET,
          "line_channel_secret": ConfigurationTypeField.SECRET,
          "sender_postal_address": ConfigurationTypeField.MULTILINE,
          "channel_overrides": ConfigurationTypeField.MULTILINE}


def _default_value(name: str):
    value = getattr(_defaults, name)
    return value if isinstance(value, (bool, str)) else str(value)


def _field(name: str) -> dict:
    """Label and help "日本語 / English" (conf.SETTING_TEXT): Saleor shows one of each to every staff member."""
    return {"type": _KINDS.get(name, _STRING), "label": conf.FIELD_LABEL[name], "help_text": conf.FIELD_HELP[name]}


def _guarded_write():
    """Inside Saleor's transaction: a savepoint, so our failure never poisons it.

    Outside one (order_created runs in on_commit, in autocommit) a plain statement is
    already atomic, and skipping the savepoint saves two round trips per event.
    """
    connection = transaction.get_connection()
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


class LTVPlugin(BasePlugin):
    PLUGIN_ID = "saleor.ltv"
    PLUGIN_NAME = app_manifest.PLUGIN_NAME  # not the app's name (app_manifest.APP_NAME)
    PLUGIN_DESCRIPTION = (
        "Captures orders, checkouts and customers into its own tables and computes "
        "RFM, CPM, lifecycle stages and each account's purchase rhythm."
    )
    CONFIGURATION_PER_CHANNEL = False
    DEFAULT_ACTIVE = True
    DEFAULT_CONFIGURATION = [
        *({"name": f.name, "value": _default_value(f.name)} for f in dataclasses.fields(conf.ChannelSettings)),
        {"name": "channel_overrides", "value": ""},
    ]
    CONFIG_STRUCTURE = {name: _field(name) for name in conf.SETTING_NAMES}

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration, **kwargs):
        values = {item["name"]: item["value"] for item in plugin_configuration.configuration}
        try:
            conf.build_settings(values)
        except conf.SettingsError as exc:
            # Keyed by the configuration item, so the Dashboard marks the right input;
            # the full path (channel_overrides.<slug>.<setting>) stays in the message.
            by_item: dict[str, list] = {}
            for path, reason in exc.errors.items():
                item = path.split(".", 1)[0]
                message = reason if path == item else f"{path}: {reason}"
                by_item.setdefault(item, []).append(ValidationError(message, code="invalid"))
            raise ValidationError(by_item) from None

    # --- event capture -------------------------------------------------
    def _record(self, kind: str, ref: str, payload: dict | None = None) -> None:
        try:
            faults.check_hooks()
            with allow_writer(), _guarded_write():
                inbox.record(Source.SALEOR, kind, ref, payload)
        except Exception:  # noqa: BLE001 — never raise into Saleor; reconcile recovers
            logger.exception("ltv: could not record %s %s", kind, ref)

    def _order_event(kind: str):  # noqa: N805 — builds methods at class creation
        def hook(self, order, previous_value, *args, **kwargs):
            self._record(kind, order_ref(getattr(order, "pk", "")))
            return previous_value

        hook.__name__ = kind
        return hook

    def _checkout_event(kind: str):  # noqa: N805
        def hook(self, checkout, previous_value, *args, **kwargs):
            self._record(kind, checkout_ref(getattr(checkout, "token", "")))
            return previous_value

        hook.__name__ = kind
        return hook

    order_created = _order_event("order_created")
    order_confirmed = _order_event("order_confirmed")
    order_fully_paid = _order_event("order_fully_paid")
    order_paid = _order_event("order_paid")
    order_updated = _order_event("order_updated")
    order_cancelled = _order_event("order_cancelled")
    order_expired = _order_event("order_expired")
    order_refunded = _order_event("order_refunded")
    order_fully_refunded = _order_event("order_fully_refunded")
    checkout_created = _checkout_event("checkout_created")
    checkout_updated = _checkout_event("checkout_updated")
    checkout_fully_paid = _checkout_event("checkout_fully_paid")

    def order_bulk_created(self, orders, previous_value, *args, **kwargs):
        try:
            faults.check_hooks()
            rows = [
                InboundEvent(source=Source.SALEOR, kind="order_bulk_created", object_ref=order_ref(o.pk))
                for o in orders
            ]
            with allow_writer(), _guarded_write():
                InboundEvent.objects.bulk_create(rows)
        except Exception:  # noqa: BLE001
            logger.exception("ltv: could not record order_bulk_created")
        return previous_value

    def customer_created(self, customer, previous_value, *args, **kwargs):
        self._record("customer_created", user_ref(customer.pk))
        return previous_value

    def customer_updated(self, customer, previous_value, *args, **kwargs):
        self._record("customer_updated", user_ref(customer.pk))
        return previous_value

    def customer_metadata_updated(self, customer, previous_value, *args, **kwargs):
        # The 'metadata' account key rule reads the user's metadata.
        self._record("customer_metadata_updated", user_ref(customer.pk))
        return previous_value

    def address_created(self, address, previous_value, *args, **kwargs):
        self._address_event("address_created", address)
        return previous_value

    def address_updated(self, address, previous_value, *args, **kwargs):
        self._address_event("address_updated", address)
        return previous_value

    def _address_event(self, kind: str, address) -> None:
        # A user's address book changed (phone, postal address): re-read the users it belongs to.
        try:
            user_ids = list(address.user_addresses.values_list("pk", flat=True))
        except Exception:  # noqa: BLE001
            logger.exception("ltv: could not read the users of address %s", getattr(address, "pk", "?"))
            return
        for user_id in user_ids:
            self._record(kind, user_ref(user_id))

    def customer_deleted(self, customer, previous_value, *args, **kwargs):
        self._erasure("customer_deleted", customer)
        return previous_value

    def account_deleted(self, user, previous_value, *args, **kwargs):
        self._erasure("account_deleted", user)
        return previous_value

    def _erasure(self, kind: str, user) -> None:
        # The user row is gone when this is applied: keep what erasure needs.
        try:
            payload = {"user_id": str(user.pk), "email": user.email}
        except Exception:  # noqa: BLE001
            payload = {}
        self._record(kind, user_ref(payload.get("user_id", "")), payload)

    del _order_event, _checkout_event

    # --- HTTP ----------------------------------------------------------
    def webhook(self, request, path, previous_value, *args, **kwargs):
        return dispatch(request, path)


_config_cache: dict = {"at": 0.0, "values": None}


def _saleor_configuration() -> dict:
    """Saved plugin configuration merged over defaults (cached 30 s per process)."""
    now = time.monotonic()
    if _config_cache["values"] is not None and now - _config_cache["at"] < 30:
        return _config_cache["values"]
    from saleor.plugins.models import PluginConfiguration

    values = {item["name"]: item["value"] for item in LTVPlugin.DEFAULT_CONFIGURATION}
    saved = PluginConfiguration.objects.filter(identifier=LTVPlugin.PLUGIN_ID).first()
    if saved is not None:
        values.update({item["name"]: item["value"] for item in saved.configuration or []})
    _config_cache.update(at=now, values=values)
    return values


_APP_TOKEN_CACHE_SECONDS = 30
_app_tokens: dict[str, tuple[float, int]] = {}


def _saleor_principal(request, token: str):
    """Saleor's own credentials, verified with Saleor's helpers and keys: access JWTs (staff,
    customer, and the app-extension tokens the Dashboard hands its extension pages) and app
    tokens. Returns None for anything that is neither, so auth.py can say why."""
    import jwt as pyjwt
    from saleor.core.jwt import get_user_from_access_payload, jwt_decode
    from saleor.permission.enums import get_permission_names

    if token.count(".") == 2:
        try:
            payload = jwt_decode(token)
            user = get_user_from_access_payload(payload, request)
        except pyjwt.ExpiredSignatureError:
            raise auth.AuthError("Signature has expired", "ExpiredSignatureError") from None
        except pyjwt.PyJWTError as exc:
            raise auth.AuthError(str(exc) or "Invalid token.") from None
        if user is None:
            raise auth.AuthError("Invalid token.")
        if not user.is_staff:
            return auth.Principal(kind="customer", user_id=str(user.pk), email=user.email)
        return auth.principal_from_permissions(
            "staff", get_permission_names(user.effective_permissions), user_id=str(user.pk),
            email=user.email, extra={"app": payload.get("app")} if payload.get("app") else {},
        )
    app = _app_for_token(token)
    if app is None:
        return None
    return auth.principal_from_permissions("app", get_permission_names(app.permissions.all()), label=app.name)


def _app_for_token(token: str):
    """As Saleor's get_app; a verified token is remembered for 30 s, since each check runs a
    password hash (a revoked app token keeps working at most that long in this process)."""
    import hashlib

    from django.contrib.auth.hashers import check_password
    from saleor.app.models import App, AppToken

    digest = hashlib.sha256(token.encode()).hexdigest()
    cached = _app_tokens.get(digest)
    if cached and time.monotonic() - cached[0] < _APP_TOKEN_CACHE_SECONDS:
        return App.objects.filter(pk=cached[1], is_active=True).first()
    rows = AppToken.objects.filter(token_last_4=token[-4:]).values_list("app_id", "auth_token")
    app_ids = [app_id for app_id, hashed in rows if check_password(token, hashed)]
    app = App.objects.filter(id__in=app_ids, is_active=True).first()
    if app is not None:
        _app_tokens[digest] = (time.monotonic(), app.pk)
    return app


def install_dashboard_app(origin: str) -> tuple[bool, str]:
    """Install the Dashboard app from this Saleor's own manifest URL, through Saleor's own
    install task (fetch, validate, create the app and its extensions, post the token)."""
    from saleor.app.models import AppInstallation
    from saleor.app.tasks import install_app_task
    from saleor.permission.enums import get_permissions_from_names

    manifest_url = origin.rstrip("/") + app_manifest.PREFIX + "/app/manifest"
    with allow_writer():
        installation = AppInstallation.objects.create(app_name=app_manifest.APP_NAME, manifest_url=manifest_url)
        installation.permissions.set(get_permissions_from_names(app_manifest.PERMISSIONS))
        install_app_task(installation.pk, activate=True)
        left = AppInstallation.objects.filter(pk=installation.pk).first()  # deleted on success
    return (True, f"installed from {manifest_url}") if left is None else (False, left.message or "failed")


auth.set_token_resolver(_saleor_principal)
conf.set_provider(_saleor_configuration)
db.set_writer_context(allow_writer)
__all__ = ["LTVPlugin", "__version__"]
