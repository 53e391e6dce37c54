"""The shop's settings over GraphQL: the Dashboard's Settings page (shop_settings.py)."""

from __future__ import annotations

import graphene

from .. import conf, hosts, shop_settings
from ..auth import Scope
from .automation import _in_language, _language_arg
from .channel_setup import setting_text
from .core import LtvError
from .permissions import principal, require


class LtvSettingKind(graphene.Enum):
    BOOLEAN = "boolean"
    INTEGER = "integer"
    CHOICE = "choice"
    STRING = "string"
    SECRET = "secret"
    JSON = "json"


class LtvShopSetting(graphene.ObjectType):
    name = graphene.String(required=True, description="The setting's name, as conf.py and the mutation know it.")
    group = graphene.String(required=True, description="The Settings page's section: sender, thresholds, line …")
    kind = graphene.Field(LtvSettingKind, required=True)
    value = graphene.JSONString(description="The value in force; null for a secret (see isSet).")
    default = graphene.JSONString(description="The value when none is set; null for a secret.")
    is_set = graphene.Boolean(required=True, description="Not empty: for a secret, the only thing shown.")
    choices = graphene.List(graphene.NonNull(graphene.String), required=True, description="For a CHOICE.")
    label = graphene.String(required=True, language=_language_arg())
    help = graphene.String(required=True, language=_language_arg())

    @staticmethod
    def resolve_kind(row, info):
        return LtvSettingKind.get(row.kind)

    @staticmethod
    def resolve_label(row, info, language="en"):
        return setting_text(row.name, language)

    @staticmethod
    def resolve_help(row, info, language="en"):
        return setting_text(row.name, language, "help")


class LtvSettingsChange(graphene.ObjectType):
    changed_at = graphene.DateTime(required=True)
    changed_by = graphene.String(required=True)
    names = graphene.List(graphene.NonNull(graphene.String), required=True,
                          description="The settings changed (channel_overrides.<slug>.<name> for an override); "
                          "never their values.")


class LtvShopSettings(graphene.ObjectType):
    editable = graphene.Boolean(required=True, description="This deployment reads the settings stored here, so "
                                "ltvShopSettingsUpdate changes them; false: they are edited elsewhere (editedIn).")
    edited_in = graphene.String(language=_language_arg(),
                                description="Where the settings are edited when not here; null when editable.")
    can_edit = graphene.Boolean(required=True, description="Editable, and the caller holds MANAGE_PLUGINS "
                                "(API keys: settings:write).")
    host = graphene.String(required=True, description="How this deployment is hosted: saleor_plugin, "
                           "saleor_app, standalone.")
    updated_at = graphene.DateTime()
    updated_by = graphene.String()
    groups = graphene.List(graphene.NonNull(graphene.String), required=True,
                           description="The settings' sections (each setting's `group`), in the page's order.")
    settings = graphene.List(graphene.NonNull(LtvShopSetting), required=True)
    channel_overrides = graphene.JSONString(required=True, description="{channel slug: {name: value}}, each "
                                            'secret as "" (sent back so, it keeps the stored one).')
    override_secrets_set = graphene.List(graphene.NonNull(graphene.String), required=True,
                                         description="The overrides' secrets that are set: "
                                         "channel_overrides.<slug>.<name>.")
    changes = graphene.List(graphene.NonNull(LtvSettingsChange), required=True,
                            first=graphene.Int(default_value=20, description="At most 100."),
                            description="Recent saves, newest first: who changed which names.")

    @staticmethod
    def resolve_edited_in(reading, info, language="en"):
        return _in_language(reading.home, language) if reading.home else None

    @staticmethod
    def resolve_can_edit(reading, info):
        return reading.editable and principal(info).can(Scope.SETTINGS)

    @staticmethod
    def resolve_host(reading, info):
        return getattr(hosts.current(), "name", "none")

    @staticmethod
    def resolve_groups(reading, info):
        return [group for group, _ in shop_settings.GROUPS]

    @staticmethod
    def resolve_settings(reading, info):
        return reading.rows

    @staticmethod
    def resolve_channel_overrides(reading, info):
        return reading.overrides

    @staticmethod
    def resolve_changes(reading, info, first=20):
        return shop_settings.recent_changes(first)


class ShopSettingsQueries(graphene.ObjectType):
    ltv_shop_settings = graphene.Field(
        LtvShopSettings, required=True,
        description="The shop's settings in force, each with its kind, default, label and help (ja/en); secrets "
        "only as set or unset. Readable by staff (MANAGE_USERS, MANAGE_ORDERS or MANAGE_PLUGINS); editable where "
        "the deployment reads the settings stored here (editable), with MANAGE_PLUGINS.")

    @staticmethod
    def resolve_ltv_shop_settings(root, info):
        if not principal(info).can(Scope.SETTINGS):  # who may edit them may read them
            require(info, Scope.READ)
        return shop_settings.read()


class LtvShopSettingsUpdate(graphene.Mutation):
    """Change the shop's stored settings (MANAGE_PLUGINS; API keys: settings:write). The whole result is
    validated before anything is written; each error's `field` is the setting's name. Refused (code
    SETTINGS_ELSEWHERE) where the deployment reads its settings elsewhere (Saleor's Plugins page, Django)."""

    class Arguments:
        input = graphene.JSONString(required=True, description='{name: value}: a name left out is unchanged, '
                                    'null restores the default (for a secret: clears it), "" for a secret keeps it.')

    shop_settings = graphene.Field(LtvShopSettings)
    changed = graphene.List(graphene.NonNull(graphene.String), description="The names changed; never values.")
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    @staticmethod
    def mutate(root, info, input):
        who = require(info, Scope.SETTINGS)
        try:
            changed = shop_settings.update(input, by=who.email or who.label or who.kind)
        except shop_settings.SettingsElsewhere as exc:
            return LtvShopSettingsUpdate(errors=[LtvError(field=None, message=str(exc), code="settings_elsewhere",
                                                          message_ja=exc.message_ja)])
        except conf.SettingsError as exc:
            return LtvShopSettingsUpdate(errors=[
                LtvError(field=name, message=reason, message_ja=shop_settings.reason_ja(reason), code="invalid")
                for name, reason in exc.errors.items()])
        return LtvShopSettingsUpdate(shop_settings=shop_settings.read(), changed=changed, errors=[])
