"""The plugin as Saleor loads it: configuration page, hooks and the HTTP route.

Each hook hands its object's reference to the recorder (one inbound row per object per request)
and returns; nothing here may raise into Saleor (its PluginsManager does not catch, and
order_created runs inside the buyer's checkoutComplete). The plugin is global, not per channel:
Saleor answers 404 on /plugins/global/<id>/ for per-channel plugins (PluginsManager.webhook), so
per-channel values live in the `channel_overrides` field instead.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField

from ... import conf
from ..saleor import manifest
from ..saleor.ids import checkout_ref, order_ref, user_ref
from . import PLUGIN_ID, recorder
from .config import DEFAULT_CONFIGURATION
from .routes import dispatch

logger = logging.getLogger(__name__)

_STRING = ConfigurationTypeField.STRING
_BOOLEAN = ConfigurationTypeField.BOOLEAN


_KINDS = {"merge_same_day_orders": _BOOLEAN, "staff_webhook_secret": ConfigurationTypeField.SECRET,
          "line_channel_access_token": ConfigurationTypeField.SECRET,
          "line_channel_secret": ConfigurationTypeField.SECRET,
          "twilio_auth_token": ConfigurationTypeField.SECRET,
          "smtp_password": ConfigurationTypeField.SECRET,
          "sender_postal_address": ConfigurationTypeField.MULTILINE,
          "channel_overrides": ConfigurationTypeField.MULTILINE}


def _field(name: str) -> dict:
    """Label and help "日本語 / English" (conf.SETTING_TEXT): Saleor shows one of each to every staff member."""
    return {"type": _KINDS.get(name, _STRING), "label": conf.FIELD_LABEL[name], "help_text": conf.FIELD_HELP[name]}


def _hook(kind: str, ref):
    """A hook method recording `ref(the hook's object)` under `kind` (Saleor passes previous_value by name)."""
    def hook(self, obj, previous_value=None, *args, **kwargs):
        self._record(kind, ref(obj))
        return previous_value

    hook.__name__ = kind
    return hook


def _order_event(kind: str):
    return _hook(kind, lambda order: order_ref(getattr(order, "pk", "")))


def _checkout_event(kind: str):
    return _hook(kind, lambda checkout: checkout_ref(getattr(checkout, "token", "")))


def _fulfillment_event(kind: str):
    # A fulfilment is re-read with its order: one reference for the order, whichever hook fires.
    return _hook(kind, lambda fulfillment: order_ref(getattr(fulfillment, "order_id", "")))


class LTVPlugin(BasePlugin):
    PLUGIN_ID = PLUGIN_ID
    PLUGIN_NAME = manifest.PLUGIN_NAME  # not the app's name (manifest.APP_NAME)
    PLUGIN_DESCRIPTION = (
        "Captures orders, checkouts and customers into its own tables and computes "
        "RFM, CPM, lifecycle stages and each account's purchase rhythm."
    )
    CONFIGURATION_PER_CHANNEL = False
    DEFAULT_ACTIVE = True
    DEFAULT_CONFIGURATION = DEFAULT_CONFIGURATION
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
        recorder.record(kind, ref, payload)

    order_created = _order_event("order_created")
    order_confirmed = _order_event("order_confirmed")
    order_fully_paid = _order_event("order_fully_paid")
    order_paid = _order_event("order_paid")
    order_updated = _order_event("order_updated")
    order_cancelled = _order_event("order_cancelled")
    order_expired = _order_event("order_expired")
    order_refunded = _order_event("order_refunded")
    order_fully_refunded = _order_event("order_fully_refunded")
    order_fulfilled = _order_event("order_fulfilled")
    checkout_created = _checkout_event("checkout_created")
    checkout_updated = _checkout_event("checkout_updated")
    checkout_fully_paid = _checkout_event("checkout_fully_paid")
    fulfillment_created = _fulfillment_event("fulfillment_created")
    fulfillment_approved = _fulfillment_event("fulfillment_approved")
    fulfillment_canceled = _fulfillment_event("fulfillment_canceled")
    tracking_number_updated = _fulfillment_event("tracking_number_updated")

    def order_bulk_created(self, orders, previous_value, *args, **kwargs):
        try:
            refs = [order_ref(o.pk) for o in orders]
        except Exception:  # noqa: BLE001
            logger.exception("ltv: could not read order_bulk_created's orders")
            return previous_value
        recorder.record_many("order_bulk_created", refs)
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

    # --- HTTP ----------------------------------------------------------
    def webhook(self, request, path, previous_value, *args, **kwargs):
        return dispatch(request, path)


__all__ = ["LTVPlugin"]
