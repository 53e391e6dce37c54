"""The one place that reads settings: defaults, validation, per-channel overrides.

Values come from Saleor's plugin configuration (plugin.py registers a provider)
or, standalone, from Django's ``settings.LTV_PLUGIN`` dict. Both have the same
shape: global values plus ``channel_overrides`` = {channel slug: {name: value}}.
"""

from __future__ import annotations

import dataclasses
import json
import zoneinfo
from dataclasses import dataclass, fields
from typing import Any, Callable

from .addresses import address_problem, header_problem

ACCOUNT_KEY_RULES = ("company", "metadata", "user")
# Who of a company account's buyers may see its rhythm on the storefront (issue 15 #7).
COMPANY_MEMBERSHIP_RULES = ("confirmed_only", "email_domain", "metadata", "open")
# Values that end up in a mail header (From, List-Unsubscribe …) or a link in one.
HEADER_BOUND = ("sender_name", "sender_email", "staff_alert_emails", "public_url", "shop_url",
                "checkout_url_template", "staff_webhook_url", "line_channel_access_token", "line_api_url")


class SettingsError(ValueError):
    """Invalid settings; ``errors`` maps each field name to the reason."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class ChannelSettings:
    """Settings that may differ per channel. Durations are in days unless named otherwise."""

    account_key: str = "company"
    account_metadata_key: str = "ltv_account"
    company_membership: str = "confirmed_only"
    company_membership_metadata_key: str = "ltv_company_confirmed"
    merge_same_day_orders: bool = True
    timezone: str = "UTC"
    new_customer_days: int = 120
    dormant_after_days: int = 121
    lost_after_days: int = 361
    loyal_min_repeats: int = 5
    abandoned_checkout_minutes: int = 60
    reconcile_window_days: int = 7
    # automation: who sends, to whom, when and how often
    sender_name: str = ""
    sender_email: str = ""
    sender_postal_address: str = ""
    public_url: str = ""
    checkout_url_template: str = ""
    shop_url: str = ""
    consent_mode: str = "opt_in"
    consent_metadata_key: str = "marketing_consent"
    # contact data Saleor has no field for, read from the user's metadata
    line_user_id_metadata_key: str = "ltv_line_user_id"
    birthday_metadata_key: str = "birthday"
    department_metadata_key: str = "department"
    default_language: str = "ja"
    quiet_hours_start: int = 21
    quiet_hours_end: int = 8
    frequency_cap_per_week: int = 3
    attribution_window_days: int = 7
    holdout_percent: int = 10
    tool_cost_per_month: int = 0
    staff_alert_emails: str = ""
    staff_webhook_url: str = ""
    staff_webhook_secret: str = ""
    # LINE Messaging API (an official account's channel in the LINE Developers console)
    line_channel_access_token: str = ""
    line_channel_secret: str = ""
    line_api_url: str = "https://api.line.me"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FIELD_HELP = {
    "account_key": "What one analysed account is: 'company' (billing company name, normalised), "
    "'metadata' (a user metadata key names the account) or 'user' (B2C: one person). "
    "Guests fall back to their e-mail. Run `manage.py ltv_rekey_accounts` after changing it.",
    "account_metadata_key": "User metadata key holding the account id when account_key is 'metadata'.",
    "company_membership": "Which buyers of a company account see the company's reorder dates and rhythm "
    "on the storefront (staff analysis always groups by company): 'confirmed_only' (staff confirmed them), "
    "'email_domain' (or their e-mail domain is a confirmed member's, never a free-mail domain), 'metadata' "
    "(or the Saleor user's private metadata key below is true) or 'open' (anyone typing the company's name: "
    "unsafe). Others see only accounts whose every order is theirs. / ストアフロントで会社の購買周期を"
    "見られる購入者: confirmed_only（スタッフが確認した人）、email_domain（確認済みメンバーと同じ独自ドメイン。"
    "フリーメールは不可）、metadata（Saleor の非公開メタデータで確認）、open（会社名を入力した誰でも。安全ではありません）。",
    "company_membership_metadata_key": "Saleor user *private* metadata key (only staff and apps with "
    "MANAGE_USERS can write it) that confirms a buyer's company membership when company_membership is "
    "'metadata', e.g. ltv_company_confirmed=true. / 会社メンバー確認に使う非公開メタデータのキー。",
    "merge_same_day_orders": "Count several orders of one account on one day as one purchase.",
    "timezone": "The shop's time zone (IANA name, e.g. Asia/Tokyo): days and schedules use it.",
    "new_customer_days": "Lifecycle: a one-order account stays 'new' this many days after its first order.",
    "dormant_after_days": "Lifecycle: days since the last order from which an account is 'dormant'.",
    "lost_after_days": "Lifecycle: days since the last order from which an account is 'lost'.",
    "loyal_min_repeats": "Lifecycle: repeat purchases needed to be 'loyal' (while still active).",
    "abandoned_checkout_minutes": "A checkout idle this long with lines and an e-mail is 'abandoned'.",
    "reconcile_window_days": "How far back the reconcile task compares Saleor's orders with ours.",
    "sender_name": "Sender name on buyer mail (特定電子メール法 / CAN-SPAM: who sends it).",
    "sender_email": "Sender address on buyer mail; empty uses Django's DEFAULT_FROM_EMAIL.",
    "sender_postal_address": "The sender's postal address, printed in every marketing mail's footer.",
    "public_url": "Where this plugin's routes are reachable from the internet, e.g. "
    "https://api.shop.example/plugins/global/saleor.ltv/ (unsubscribe and tracking links).",
    "checkout_url_template": "Storefront link back to a cart; {token} is replaced by the checkout token.",
    "shop_url": "Storefront home page, the target of a mail's main button when nothing more specific exists.",
    "consent_mode": "'opt_in' (mail only buyers who granted consent; Japan's 特定電子メール法) or "
    "'opt_out' (mail unless they revoked it).",
    "consent_metadata_key": "Saleor user metadata key holding the buyer's marketing consent (true/false, "
    "granted/revoked); Saleor has no consent field, the storefront sets this one at sign-up.",
    "line_user_id_metadata_key": "Saleor user *private* metadata key holding the buyer's LINE user id (written "
    "by your LINE login integration or staff; a buyer cannot set it). / LINEユーザーIDを保持する非公開メタデータのキー。",
    "birthday_metadata_key": "Saleor user metadata key holding the buyer's birthday (1980-04-01). "
    "/ 誕生日（例：1980-04-01）を保持するユーザーメタデータのキー。",
    "department_metadata_key": "Saleor address or user metadata key holding the buyer's department, printed on "
    "postal DM labels (Saleor's address has no department field). / 宛名ラベルの部署名を保持するメタデータのキー。",
    "default_language": "Language of buyer mail when the buyer's own is unknown or not offered: ja or en.",
    "quiet_hours_start": "Buyer mail is not sent from this hour (0-23, shop time zone) …",
    "quiet_hours_end": "… until this hour; due mail waits. Equal start and end: no quiet hours.",
    "frequency_cap_per_week": "At most this many marketing mails per buyer in any 7 days (0: no cap).",
    "attribution_window_days": "An order this many days after a send or click is credited to it.",
    "holdout_percent": "Share of each scenario's audience not messaged, to measure incremental revenue (0-50).",
    "tool_cost_per_month": "What the tool costs per month in the channel's currency (ROAS denominator).",
    "staff_alert_emails": "Comma-separated staff addresses for churn-risk and purchase-intent alerts.",
    "staff_webhook_url": "Outgoing webhook for staff alerts (Slack/Teams incoming webhook or your own).",
    "staff_webhook_secret": "Shared secret: each webhook carries X-LTV-Signature, HMAC-SHA256 of the body.",
    "line_channel_access_token": "LINE Messaging API channel access token (LINE Developers console); empty: LINE "
    "messages are skipped as not_configured. / LINE公式アカウントのチャネルアクセストークン。",
    "line_channel_secret": "LINE channel secret: verifies X-Line-Signature on the webhook "
    "(…/line/webhook, or …/line/webhook/<channel slug> for a per-channel account). / LINEのチャネルシークレット。",
    "line_api_url": "LINE Messaging API base URL (https://api.line.me; another only for a test server). "
    "/ LINE Messaging APIのURL。",
}

CHOICES = {"account_key": ACCOUNT_KEY_RULES, "company_membership": COMPANY_MEMBERSHIP_RULES, "consent_mode": ("opt_in", "opt_out"), "default_language": ("ja", "en")}



def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off", ""):
            return False
        raise ValueError("must be true or false")
    if isinstance(default, int):
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError("must be a whole number") from None
        if number < 0:
            raise ValueError("must not be negative")
        return number
    if value is None:
        raise ValueError("must not be empty")
    return str(value).strip()


def _validate(values: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    defaults = ChannelSettings()
    known = {f.name for f in fields(ChannelSettings)}
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name not in known:
            errors[prefix + name] = "unknown setting"
            continue
        try:
            clean[name] = _coerce(name, value, getattr(defaults, name))
        except ValueError as exc:
            errors[prefix + name] = str(exc)
    for name, allowed in CHOICES.items():
        if name in clean and clean[name] not in allowed:
            errors[prefix + name] = f"must be one of {', '.join(allowed)}"
    for name in ("quiet_hours_start", "quiet_hours_end"):
        if name in clean and clean[name] > 23:
            errors[prefix + name] = "must be an hour from 0 to 23"
    if clean.get("holdout_percent", 0) > 50:
        errors[prefix + "holdout_percent"] = "must be at most 50"
    for name in ("public_url", "staff_webhook_url", "shop_url", "line_api_url"):
        if clean.get(name) and not clean[name].startswith(("https://", "http://")):
            errors[prefix + name] = "must be an http(s) URL"
    for name in HEADER_BOUND:
        problem = header_problem(clean.get(name, ""))
        if problem:
            errors[prefix + name] = problem
    for name in ("sender_email", "staff_alert_emails"):
        for address in (a.strip() for a in clean.get(name, "").split(",") if a.strip()):
            problem = address_problem(address)
            if problem:
                errors[prefix + name] = f"{address!r}: {problem}"
                break
        if name == "sender_email" and "," in clean.get(name, ""):
            errors[prefix + name] = "must be one address (アドレスは1つだけ指定してください)"
    if "timezone" in clean:
        try:
            zoneinfo.ZoneInfo(clean["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors[prefix + "timezone"] = f"unknown time zone {clean['timezone']!r}"
    return clean, errors


def parse_channel_overrides(text: str | dict | None) -> dict[str, dict[str, Any]]:
    """Parse the JSON of per-channel overrides; raise SettingsError naming the field."""
    if not text:
        return {}
    if isinstance(text, str):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError({"channel_overrides": f"not valid JSON ({exc.msg})"}) from None
    else:
        data = text
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise SettingsError(
            {"channel_overrides": "must be an object: {channel slug: {setting: value}}"}
        )
    return data


def build_settings(raw: dict[str, Any]) -> "ShopSettings":
    """Validate raw values (global + channel_overrides) into ShopSettings, or raise SettingsError."""
    raw = dict(raw or {})
    overrides = parse_channel_overrides(raw.pop("channel_overrides", None))
    base_values = {k: v for k, v in raw.items() if k in {f.name for f in fields(ChannelSettings)}}
    base_clean, errors = _validate(base_values)
    per_channel: dict[str, ChannelSettings] = {}
    base = ChannelSettings(**base_clean)
    for slug, values in overrides.items():
        clean, channel_errors = _validate(values, prefix=f"channel_overrides.{slug}.")
        errors.update(channel_errors)
        if not channel_errors:
            per_channel[slug] = dataclasses.replace(base, **clean)
    if errors:
        raise SettingsError(errors)
    return ShopSettings(base=base, per_channel=per_channel)


@dataclass(frozen=True)
class ShopSettings:
    base: ChannelSettings
    per_channel: dict[str, ChannelSettings]

    def for_channel(self, channel: str | None) -> ChannelSettings:
        return self.per_channel.get(channel or "", self.base)


_provider: Callable[[], dict[str, Any]] | None = None


def set_provider(provider: Callable[[], dict[str, Any]] | None) -> None:
    """plugin.py installs a provider reading Saleor's plugin configuration."""
    global _provider
    _provider = provider


def get_settings() -> ShopSettings:
    if _provider is not None:
        try:
            return build_settings(_provider())
        except SettingsError:
            # Saved configuration is validated on save; a stale bad value must
            # not stop ingestion, so fall back to defaults here.
            return ShopSettings(base=ChannelSettings(), per_channel={})
    from django.conf import settings as django_settings

    return build_settings(getattr(django_settings, "LTV_PLUGIN", {}))


def channel_settings(channel: str | None) -> ChannelSettings:
    return get_settings().for_channel(channel)
