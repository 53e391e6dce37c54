"""The one place that reads settings: defaults, validation, per-channel overrides.

Values come from the host's settings provider (inside Saleor: its plugin configuration)
or, standalone, from Django's ``settings.LTV_PLUGIN`` dict. Both have the same
shape: global values plus ``channel_overrides`` = {channel slug: {name: value}}.
"""

from __future__ import annotations

import dataclasses
import json
import re
import zoneinfo
from dataclasses import dataclass, fields
from typing import Any, Callable

from .addresses import address_problem, header_problem

ACCOUNT_KEY_RULES = ("company", "metadata", "user")
# Who of a company account's buyers may see its rhythm on the storefront (issue 15 #7).
COMPANY_MEMBERSHIP_RULES = ("confirmed_only", "email_domain", "metadata", "open")
# Values that end up in a mail header (From, List-Unsubscribe …) or a link in one.
HEADER_BOUND = ("sender_name", "sender_email", "staff_alert_emails", "public_url", "shop_url",
                "checkout_url_template", "product_url_template", "staff_webhook_url",
                "line_channel_access_token", "line_api_url", "line_account_link_url", "twilio_account_sid",
                "twilio_auth_token", "twilio_from", "twilio_messaging_service_sid", "twilio_api_url",
                "smtp_host", "smtp_username", "smtp_password")
# Credentials: a page may say whether they are set, never show them.
SECRET_SETTINGS = ("staff_webhook_secret", "line_channel_access_token", "line_channel_secret", "twilio_auth_token",
                   "smtp_password")
SMTP_SECURITY = ("starttls", "ssl", "none")
_HOST_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_ACCOUNT_SID, _SERVICE_SID = re.compile(r"^AC[0-9a-f]{32}$"), re.compile(r"^MG[0-9a-f]{32}$")
# E.164, or an alphanumeric sender ID (letters, digits and spaces, at least one letter, at most 11)
_SMS_SENDER = re.compile(r"^(\+[1-9][0-9]{7,14}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$")
# What a product link template may contain: each is filled from the item (see automation/mail_items.py).
PRODUCT_URL_PLACEHOLDERS = ("slug", "sku")


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
    # Where a registered contact without orders counts as a prospect (Saleor's users have no
    # channel); shop-wide, "" = the channel with the most accounts (metrics/prospects.py).
    prospect_channel: str = ""
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
    product_url_template: str = ""
    shop_url: str = ""
    consent_mode: str = "opt_in"
    consent_metadata_key: str = "marketing_consent"
    # contact data Saleor has no field for, read from the user's (or address's) metadata
    line_user_id_metadata_key: str = "ltv_line_user_id"
    birthday_metadata_key: str = "birthday"
    department_metadata_key: str = "department"
    # where a buyer came from: the order's metadata keys (Saleor copies the checkout's metadata to its order)
    utm_source_metadata_key: str = "utm_source"
    utm_medium_metadata_key: str = "utm_medium"
    utm_campaign_metadata_key: str = "utm_campaign"
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
    line_account_link_url: str = ""  # the storefront's LINE linking page (LINE's account-link flow)
    # SMS: the provider adapter and its account (Twilio Programmable Messaging)
    sms_provider: str = "twilio"
    sms_max_segments: int = 4
    sms_per_second: int = 0  # the sender's throughput at the provider; 0: not paced
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    # The shop's own mail server; empty host: the deployment's (Django's EMAIL_*, Saleor's EMAIL_URL)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# Every setting Saleor's plugin page lists: the per-channel ones, then the overrides of them.
SETTING_NAMES = (*(f.name for f in fields(ChannelSettings)), "channel_overrides")


# Label and help of each setting, ja and en. Saleor's Dashboard shows one `label` (the input's
# floating label, one line) and one `helpText` (a paragraph under the input, line breaks not kept)
# per plugin setting, whatever the staff member's language: both are "日本語 / English".
SETTING_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "account_key": {
        "label": ("顧客の単位", "Account key rule"),
        "help": ("分析する1顧客の単位：company（請求先の会社名を正規化）、metadata（ユーザーのメタデータのキーで指定）、"
                 "user（B2C：個人）。ゲストはメールアドレスで識別します。変更後は `manage.py ltv_rekey_accounts` を"
                 "実行してください。",
                 "What one analysed account is: 'company' (billing company name, normalised), 'metadata' (a user "
                 "metadata key names the account) or 'user' (B2C: one person). Guests fall back to their e-mail. "
                 "Run `manage.py ltv_rekey_accounts` after changing it."),
    },
    "account_metadata_key": {
        "label": ("顧客IDのメタデータキー", "Account metadata key"),
        "help": ("顧客の単位が metadata のとき、顧客IDを持つユーザーメタデータのキー。",
                 "User metadata key holding the account id when account_key is 'metadata'."),
    },
    "company_membership": {
        "label": ("ストアフロントでの会社メンバー判定", "Storefront company membership rule"),
        "help": ("ストアフロントで会社の購買周期と再注文日を見られる購入者（スタッフの分析は常に会社単位）："
                 "confirmed_only（スタッフが確認した人）、email_domain（確認済みメンバーと同じ独自ドメイン。フリーメールは不可）、"
                 "metadata（Saleor の非公開メタデータで確認）、open（会社名を入力した誰でも。安全ではありません）。"
                 "それ以外の人には自分の注文だけの顧客が見えます。",
                 "Which buyers of a company account see the company's reorder dates and rhythm on the storefront "
                 "(staff analysis always groups by company): 'confirmed_only' (staff confirmed them), 'email_domain' "
                 "(or their e-mail domain is a confirmed member's, never a free-mail domain), 'metadata' (or the "
                 "Saleor user's private metadata key below is true) or 'open' (anyone typing the company's name: "
                 "unsafe). Others see only accounts whose every order is theirs."),
    },
    "company_membership_metadata_key": {
        "label": ("会社メンバー確認の非公開メタデータキー", "Company membership private metadata key"),
        "help": ("会社メンバー判定が metadata のとき、メンバーであることを示す Saleor ユーザーの非公開メタデータのキー"
                 "（スタッフと MANAGE_USERS 権限のアプリだけが書き込めます）。例：ltv_company_confirmed=true。",
                 "Saleor user *private* metadata key (only staff and apps with MANAGE_USERS can write it) that "
                 "confirms a buyer's company membership when company_membership is 'metadata', e.g. "
                 "ltv_company_confirmed=true."),
    },
    "merge_same_day_orders": {
        "label": ("同日の注文をまとめる", "Merge same-day orders"),
        "help": ("同じ顧客の同じ日の複数の注文を1回の購入として数えます。",
                 "Count several orders of one account on one day as one purchase."),
    },
    "prospect_channel": {
        "label": ("見込み客を数えるチャネル", "Prospects' channel"),
        "help": ("注文のない登録顧客（見込み客）を数える販売チャネルのスラッグ。Saleorのユーザーにはチャネルがないため、"
                 "ショップ全体で1つ指定します。空欄：顧客数が最も多いチャネル（顧客がまだいなければ default-channel）。"
                 "顧客リストの取り込みでタグを付けた見込み客は、取り込み時に指定したチャネルで数えます。",
                 "The sales channel (slug) in which registered contacts without orders count as prospects. "
                 "Saleor's users have no channel, so this is one value for the whole shop. Empty: the channel with "
                 "the most accounts (default-channel while there are none). Prospects a customer-list import "
                 "tagged count in the channel that import named."),
    },
    "timezone": {
        "label": ("ショップのタイムゾーン", "Shop time zone"),
        "help": ("日付と送信時刻の基準になるタイムゾーン（IANA名。例：Asia/Tokyo）。",
                 "The shop's time zone (IANA name, e.g. Asia/Tokyo): days and schedules use it."),
    },
    "new_customer_days": {
        "label": ("新規顧客の期間（日）", "New-customer window (days)"),
        "help": ("ライフサイクル：購入1回の顧客は初回購入からこの日数まで「新規顧客」です。"
                 "チャネルごとの値はダッシュボードの「しきい値」ページで設定できます（そちらが優先）。",
                 "Lifecycle: a one-order account stays 'new' this many days after its first order."
                 " A channel's own value is set on the Dashboard's Thresholds page (it wins)."),
    },
    "dormant_after_days": {
        "label": ("休眠とみなす日数", "Dormant after (days)"),
        "help": ("ライフサイクル：最終購入からこの日数で「休眠顧客」になります。"
                 "チャネルごとの値はダッシュボードの「しきい値」ページで設定できます（そちらが優先）。",
                 "Lifecycle: days since the last order from which an account is 'dormant'."
                 " A channel's own value is set on the Dashboard's Thresholds page (it wins)."),
    },
    "lost_after_days": {
        "label": ("離反とみなす日数", "Lost after (days)"),
        "help": ("ライフサイクル：最終購入からこの日数で「離反顧客」になります。"
                 "チャネルごとの値はダッシュボードの「しきい値」ページで設定できます（そちらが優先）。",
                 "Lifecycle: days since the last order from which an account is 'lost'."
                 " A channel's own value is set on the Dashboard's Thresholds page (it wins)."),
    },
    "loyal_min_repeats": {
        "label": ("優良顧客の最低リピート回数", "Loyal: minimum repeat purchases"),
        "help": ("ライフサイクル：現役のまま「優良顧客」になるのに必要なリピート購入の回数。"
                 "チャネルごとの値はダッシュボードの「しきい値」ページで設定できます（そちらが優先）。",
                 "Lifecycle: repeat purchases needed to be 'loyal' (while still active)."
                 " A channel's own value is set on the Dashboard's Thresholds page (it wins)."),
    },
    "abandoned_checkout_minutes": {
        "label": ("カゴ落ちとみなす時間（分）", "Checkout abandoned after (minutes)"),
        "help": ("商品とメールアドレスが入ったカートがこの時間動かなければ「カゴ落ち」とみなします。",
                 "A checkout idle this long with lines and an e-mail is 'abandoned'."),
    },
    "reconcile_window_days": {
        "label": ("照合期間（日）", "Reconcile window (days)"),
        "help": ("照合タスクが Saleor の注文と取り込み済みの注文を突き合わせる期間。",
                 "How far back the reconcile task compares Saleor's orders with ours."),
    },
    "sender_name": {
        "label": ("送信者名", "Sender name"),
        "help": ("購入者向けメールの送信者の氏名または名称（特定電子メール法で表示が必要）。",
                 "Sender name on buyer mail (Japan's Act on Specified Electronic Mail, CAN-SPAM: who sends it)."),
    },
    "sender_email": {
        "label": ("送信者メールアドレス", "Sender e-mail"),
        "help": ("購入者向けメールの送信元アドレス（お問い合わせ先にもなります）。空欄なら Django の DEFAULT_FROM_EMAIL。",
                 "Sender address on buyer mail (also the contact for inquiries); empty uses Django's "
                 "DEFAULT_FROM_EMAIL."),
    },
    "sender_postal_address": {
        "label": ("送信者の住所", "Sender postal address"),
        "help": ("すべてのマーケティングメールのフッターに記載する送信者の住所。",
                 "The sender's postal address, printed in every marketing mail's footer."),
    },
    "public_url": {
        "label": ("プラグインの公開URL", "Public URL of the plugin"),
        "help": ("このプラグインにインターネットから届くURL（配信停止と計測のリンクに使います）。例："
                 "https://api.shop.example/plugins/global/saleor.ltv/",
                 "Where this plugin's routes are reachable from the internet, e.g. "
                 "https://api.shop.example/plugins/global/saleor.ltv/ (unsubscribe and tracking links)."),
    },
    "checkout_url_template": {
        "label": ("カートへのリンクのひな形", "Cart link template"),
        "help": ("ストアフロントのカートへのリンク。{token} がカートのトークンに置き換わります。",
                 "Storefront link back to a cart; {token} is replaced by the checkout token."),
    },
    "product_url_template": {
        "label": ("商品ページのリンクのひな形", "Product link template"),
        "help": ("メールの各商品のリンク先。{slug} が Saleor の商品スラッグに、{sku} がSKUに置き換わります。"
                 "例：https://shop.example/products/{slug}。空欄なら商品ごとのリンクはありません。",
                 "Where each item in a mail links to: {slug} becomes the Saleor product's slug, {sku} the SKU, "
                 "e.g. https://shop.example/products/{slug}. Empty: items link to the cart or the shop."),
    },
    "shop_url": {
        "label": ("ストアフロントのURL", "Storefront URL"),
        "help": ("ストアフロントのトップページ。より適切なリンク先がないときのメールのボタンのリンク先。",
                 "Storefront home page, the target of a mail's main button when nothing more specific exists."),
    },
    "consent_mode": {
        "label": ("メール配信の同意方式", "Marketing consent mode"),
        "help": ("opt_in（同意した購入者だけに送信。特定電子メール法）または opt_out（拒否していなければ送信）。",
                 "'opt_in' (mail only buyers who granted consent; Japan's Act on Specified Electronic Mail) or "
                 "'opt_out' (mail unless they revoked it)."),
    },
    "consent_metadata_key": {
        "label": ("同意のメタデータキー", "Consent metadata key"),
        "help": ("購入者のメール配信の同意（true/false、granted/revoked）を持つ Saleor ユーザーメタデータのキー。"
                 "Saleor には同意の項目がないため、ストアフロントが会員登録時に設定します。",
                 "Saleor user metadata key holding the buyer's marketing consent (true/false, granted/revoked); "
                 "Saleor has no consent field, the storefront sets this one at sign-up."),
    },
    "line_user_id_metadata_key": {
        "label": ("LINEユーザーIDの非公開メタデータキー", "LINE user id private metadata key"),
        "help": ("購入者のLINEユーザーIDを持つ Saleor ユーザーの非公開メタデータのキー（LINEログイン連携かスタッフが書き込み、"
                 "購入者自身は設定できません）。",
                 "Saleor user *private* metadata key holding the buyer's LINE user id (written by your LINE login "
                 "integration or staff; a buyer cannot set it)."),
    },
    "birthday_metadata_key": {
        "label": ("誕生日のメタデータキー", "Birthday metadata key"),
        "help": ("購入者の誕生日（例：1980-04-01）を持つ Saleor ユーザーメタデータのキー。",
                 "Saleor user metadata key holding the buyer's birthday (1980-04-01)."),
    },
    "department_metadata_key": {
        "label": ("部署名のメタデータキー", "Department metadata key"),
        "help": ("DMの宛名ラベルに印字する部署名を持つ、Saleor の住所またはユーザーのメタデータのキー"
                 "（Saleor の住所には部署の項目がありません）。",
                 "Saleor address or user metadata key holding the buyer's department, printed on postal DM labels "
                 "(Saleor's address has no department field)."),
    },
    "utm_source_metadata_key": {
        "label": ("流入元のメタデータキー", "Acquisition source metadata key"),
        "help": ("注文（またはチェックアウト）のメタデータで流入元（広告・参照元。例：`google`、`newsletter`）を持つキー。"
                 "ストアフロントがチェックアウトに書き込み、Saleor が注文に写します。顧客の初回注文の値が、その顧客の流入元です。",
                 "Order (or checkout) metadata key holding where the buyer came from (an ad or referrer, e.g. google, "
                 "newsletter); the storefront writes it on the checkout and Saleor copies it to the order. An "
                 "account's first order's value is the account's acquisition source."),
    },
    "utm_medium_metadata_key": {
        "label": ("流入メディアのメタデータキー", "Acquisition medium metadata key"),
        "help": ("注文（またはチェックアウト）のメタデータで流入メディア（例：`cpc`、`email`）を持つキー。",
                 "Order (or checkout) metadata key holding the medium (e.g. cpc, email)."),
    },
    "utm_campaign_metadata_key": {
        "label": ("キャンペーンのメタデータキー", "Acquisition campaign metadata key"),
        "help": ("注文（またはチェックアウト）のメタデータでキャンペーン名を持つキー。",
                 "Order (or checkout) metadata key holding the campaign name."),
    },
    "default_language": {
        "label": ("ショップの言語", "Shop language"),
        "help": ("スタッフへの通知（アラートメール、Webhook、架電タスク）の言語。購入者の言語が不明か未対応のときは"
                 "購入者向けメールもこの言語：ja または en。",
                 "Language of staff alerts (alert mail, webhook, call tasks), and of buyer mail when the buyer's "
                 "own language is unknown or not offered: ja or en."),
    },
    "quiet_hours_start": {
        "label": ("送信停止の開始時刻", "Quiet hours start (hour)"),
        "help": ("この時刻（0〜23時、ショップのタイムゾーン）から購入者向けメールを送りません…",
                 "Buyer mail is not sent from this hour (0-23, shop time zone) …"),
    },
    "quiet_hours_end": {
        "label": ("送信停止の終了時刻", "Quiet hours end (hour)"),
        "help": ("…この時刻まで。その間に送る予定のメールは待ちます。開始と終了が同じなら停止時間なし。",
                 "… until this hour; due mail waits. Equal start and end: no quiet hours."),
    },
    "frequency_cap_per_week": {
        "label": ("1人あたり週の送信上限", "Mails per buyer per week (cap)"),
        "help": ("どの7日間でも購入者1人に送るマーケティングメールはこの通数まで（0：上限なし）。",
                 "At most this many marketing mails per buyer in any 7 days (0: no cap)."),
    },
    "attribution_window_days": {
        "label": ("成果計測の期間（日）", "Attribution window (days)"),
        "help": ("送信またはクリックからこの日数以内の注文をその施策の成果として数えます。",
                 "An order this many days after a send or click is credited to it."),
    },
    "holdout_percent": {
        "label": ("対照群の割合（%）", "Holdout share (%)"),
        "help": ("増分売上を測るため、各シナリオの対象のうちメールを送らない割合（0〜50）。",
                 "Share of each scenario's audience not messaged, to measure incremental revenue (0-50)."),
    },
    "tool_cost_per_month": {
        "label": ("ツールの月額費用", "Tool cost per month"),
        "help": ("このツールの月額費用（チャネルの通貨）。ROAS の分母になります。",
                 "What the tool costs per month in the channel's currency (ROAS denominator)."),
    },
    "staff_alert_emails": {
        "label": ("スタッフ通知のメールアドレス", "Staff alert e-mails"),
        "help": ("離脱傾向と購入確度の通知を受け取るスタッフのアドレス（カンマ区切り）。",
                 "Comma-separated staff addresses for churn-risk and purchase-intent alerts."),
    },
    "staff_webhook_url": {
        "label": ("スタッフ通知の Webhook URL", "Staff alert webhook URL"),
        "help": ("スタッフ通知の送信先 Webhook（Slack や Teams の Incoming Webhook、または自社のURL）。",
                 "Outgoing webhook for staff alerts (Slack/Teams incoming webhook or your own)."),
    },
    "staff_webhook_secret": {
        "label": ("スタッフ通知の Webhook シークレット", "Staff alert webhook secret"),
        "help": ("共有シークレット：各 Webhook の X-LTV-Signature ヘッダーに本文の HMAC-SHA256 を付けます。",
                 "Shared secret: each webhook carries X-LTV-Signature, HMAC-SHA256 of the body."),
    },
    "line_channel_access_token": {
        "label": ("LINE チャネルアクセストークン", "LINE channel access token"),
        "help": ("LINE公式アカウントの Messaging API チャネルアクセストークン（LINE Developers コンソール）。"
                 "空のときLINEメッセージは not_configured として送りません。",
                 "LINE Messaging API channel access token (LINE Developers console); empty: LINE messages are "
                 "skipped as not_configured."),
    },
    "line_channel_secret": {
        "label": ("LINE チャネルシークレット", "LINE channel secret"),
        "help": ("Webhook（`…/line/webhook`、チャネル別のアカウントは `…/line/webhook/<チャネルのスラッグ>`）の "
                 "X-Line-Signature を検証します。",
                 "Verifies X-Line-Signature on the webhook (`…/line/webhook`, or `…/line/webhook/<channel slug>` "
                 "for a per-channel account)."),
    },
    "line_api_url": {
        "label": ("LINE Messaging API のURL", "LINE Messaging API URL"),
        "help": ("通常は https://api.line.me。テスト用サーバーのときだけ変更します。",
                 "https://api.line.me; another only for a test server."),
    },
    "line_account_link_url": {
        "label": ("LINE連携ページのURL", "LINE account-link page URL"),
        "help": ("ストアフロントのLINE連携ページ。未連携の方が友だち追加すると、`linkToken` を付けたこのURLをLINEで送ります。"
                 "ページはログイン後に `ltvLineAccountLinkStart` を呼び、返された `redirectUrl` へ移動します。空欄のときは送りません。",
                 "The storefront's LINE linking page. A LINE user who follows the account before being linked gets "
                 "this URL with a linkToken on LINE; the page calls ltvLineAccountLinkStart after login and "
                 "redirects to the redirectUrl it returns. Empty: nothing is sent."),
    },
    "sms_provider": {
        "label": ("SMSの配信事業者", "SMS provider"),
        "help": ("SMSを送る事業者のアダプター：twilio。",
                 "The SMS provider adapter: 'twilio'."),
    },
    "sms_max_segments": {
        "label": ("SMS 1通の最大セグメント数", "SMS: most segments per message"),
        "help": ("1通のSMSはこのセグメント数まで（1〜10）。日本語は1セグメント70文字（分割時67文字）、英数字は160文字"
                 "（分割時153文字）。超える分は商品を省き、それでも収まらなければ too_long として送りません。",
                 "An SMS may take at most this many segments (1-10): 70 characters each for Japanese text (67 when "
                 "split), 160 for GSM-7 (153 when split). Items are dropped to fit; a text that still does not fit "
                 "is skipped as too_long."),
    },
    "sms_per_second": {
        "label": ("SMS 毎秒の送信数", "SMS: messages per second"),
        "help": ("送信元番号（またはメッセージングサービス）の毎秒の送信数（MPS、0〜2000）。Twilioは超えた分を一定時間しか"
                 "キューに保持しないため、大量送信をこの速さに揃えます。0のときは揃えません。",
                 "The sender's throughput at the provider (messages per second, 0-2000; Twilio's MPS for the number "
                 "or Messaging Service). Twilio queues what goes beyond it only for a while, so large sends are "
                 "paced to it across all workers. 0: not paced."),
    },
    "twilio_account_sid": {
        "label": ("Twilio アカウントSID", "Twilio Account SID"),
        "help": ("Twilio コンソールのアカウントSID（AC で始まる34文字）。空のときSMSは not_configured として送りません。",
                 "The Account SID from the Twilio console (AC and 32 hex digits); empty: SMS are skipped as "
                 "not_configured."),
    },
    "twilio_auth_token": {
        "label": ("Twilio 認証トークン", "Twilio Auth Token"),
        "help": ("API の Basic 認証と、配信状況・受信の Webhook の X-Twilio-Signature の検証に使います。",
                 "Authenticates API calls (HTTP Basic) and verifies X-Twilio-Signature on the delivery-status and "
                 "inbound webhooks."),
    },
    "twilio_from": {
        "label": ("SMSの送信元", "SMS sender (From)"),
        "help": ("送信元の電話番号（E.164、例：+15005550006）か英数字の送信者ID（11文字以内）。"
                 "Messaging Service SID を設定したときは空欄にできます。",
                 "The sending number (E.164, e.g. +15005550006) or an alphanumeric sender ID (up to 11 "
                 "characters); may stay empty when a Messaging Service SID is set."),
    },
    "twilio_messaging_service_sid": {
        "label": ("Twilio Messaging Service の SID", "Twilio Messaging Service SID"),
        "help": ("送信元の代わりに使う Messaging Service（MG で始まる34文字）。設定すると送信元より優先します。",
                 "A Messaging Service (MG and 32 hex digits) to send through instead of From; it wins over From."),
    },
    "twilio_api_url": {
        "label": ("Twilio API のURL", "Twilio API URL"),
        "help": ("通常は https://api.twilio.com。テスト用サーバーのときだけ変更します。",
                 "https://api.twilio.com; another only for a test server."),
    },
    "smtp_host": {
        "label": ("メールサーバー（SMTP）のホスト名", "Mail server (SMTP) host"),
        "help": ("ショップ独自のメールサーバー（例：smtp.example.co.jp）。送信元ドメインの SPF・DKIM が通るサーバーを指定します。"
                 "空欄のときはデプロイのメール設定で送ります。社内ネットワークやループバックのアドレスは使えません。",
                 "The shop's own mail server (e.g. smtp.example.co.jp), one that passes SPF and DKIM for the sender's "
                 "domain. Empty: mail goes through the deployment's mail settings. Private and loopback addresses "
                 "are refused."),
    },
    "smtp_port": {
        "label": ("SMTP のポート", "SMTP port"),
        "help": ("通常は 587（STARTTLS）か 465（SSL/TLS）。", "Usually 587 (STARTTLS) or 465 (SSL/TLS)."),
    },
    "smtp_security": {
        "label": ("SMTP の暗号化", "SMTP encryption"),
        "help": ("starttls（587番）、ssl（465番）、none（暗号化なし。パスワードは送りません）。",
                 "starttls (port 587), ssl (port 465) or none (unencrypted: no password is sent)."),
    },
    "smtp_username": {
        "label": ("SMTP のユーザー名", "SMTP user name"),
        "help": ("SMTP 認証のユーザー名。空欄のときは認証しません。", "The SMTP AUTH user name; empty: no authentication."),
    },
    "smtp_password": {
        "label": ("SMTP のパスワード", "SMTP password"),
        "help": ("SMTP 認証のパスワード。保存後は表示しません。", "The SMTP AUTH password; never shown once saved."),
    },
    "channel_overrides": {
        "label": ("チャネルごとの設定（JSON）", "Per-channel overrides (JSON)"),
        "help": ('チャネルごとに違う設定。例：{"default-channel": {"account_key": "user", "timezone": "Asia/Tokyo"}}。'
                 "未知の設定名は拒否されます。",
                 'Settings that differ per channel, e.g. {"default-channel": {"account_key": "user", '
                 '"timezone": "Asia/Tokyo"}}. Unknown names are rejected.'),
    },
}


def both_languages(texts: tuple[str, str]) -> str:
    """"日本語 / English": the one string Saleor's plugin page shows to every staff member."""
    return " / ".join(texts)


FIELD_HELP = {name: both_languages(text["help"]) for name, text in SETTING_TEXT.items()}
FIELD_LABEL = {name: both_languages(text["label"]) for name, text in SETTING_TEXT.items()}

SMS_PROVIDERS = ("twilio",)
CHOICES = {"smtp_security": SMTP_SECURITY, "sms_provider": SMS_PROVIDERS, "account_key": ACCOUNT_KEY_RULES, "company_membership": COMPANY_MEMBERSHIP_RULES, "consent_mode": ("opt_in", "opt_out"), "default_language": ("ja", "en")}



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
    if prefix and "prospect_channel" in clean:
        errors[prefix + "prospect_channel"] = "set it once for the shop, not per channel"
    for name, allowed in CHOICES.items():
        if name in clean and clean[name] not in allowed:
            errors[prefix + name] = f"must be one of {', '.join(allowed)}"
    for name in ("quiet_hours_start", "quiet_hours_end"):
        if name in clean and clean[name] > 23:
            errors[prefix + name] = "must be an hour from 0 to 23"
    if clean.get("holdout_percent", 0) > 50:
        errors[prefix + "holdout_percent"] = "must be at most 50"
    if not 1 <= clean.get("sms_max_segments", 1) <= 10:
        errors[prefix + "sms_max_segments"] = "must be from 1 to 10"
    if not 0 <= clean.get("sms_per_second", 0) <= 2000:
        errors[prefix + "sms_per_second"] = "must be from 0 to 2000"
    errors.update({prefix + k: v for k, v in _smtp_problems(clean).items()})
    for name, pattern, form in (("twilio_account_sid", _ACCOUNT_SID, "AC and 32 hex digits"),
                                ("twilio_messaging_service_sid", _SERVICE_SID, "MG and 32 hex digits"),
                                ("twilio_from", _SMS_SENDER, "an E.164 number (+15005550006) or up to 11 letters "
                                                             "and digits with a letter")):
        if clean.get(name) and not pattern.match(clean[name]):
            errors[prefix + name] = f"must be {form}"
    for name in ("public_url", "staff_webhook_url", "shop_url", "product_url_template", "line_api_url",
                 "line_account_link_url", "twilio_api_url"):
        if clean.get(name) and not clean[name].startswith(("https://", "http://")):
            errors[prefix + name] = "must be an http(s) URL"
    unknown = set(re.findall(r"\{(\w*)\}", clean.get("product_url_template", ""))) - set(PRODUCT_URL_PLACEHOLDERS)
    if unknown and prefix + "product_url_template" not in errors:
        errors[prefix + "product_url_template"] = (
            f"unknown placeholder {{{sorted(unknown)[0]}}}; use {', '.join('{%s}' % p for p in PRODUCT_URL_PLACEHOLDERS)}")
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


def _smtp_problems(clean: dict[str, Any]) -> dict[str, str]:
    problems = {}
    if clean.get("smtp_host") and not _HOST_NAME.match(clean["smtp_host"]):
        problems["smtp_host"] = "must be a host name such as smtp.example.co.jp (no scheme, port or path)"
    if "smtp_port" in clean and not 1 <= clean["smtp_port"] <= 65535:
        problems["smtp_port"] = "must be from 1 to 65535"
    if clean.get("smtp_password") and clean.get("smtp_security") == "none":
        problems["smtp_security"] = "must be starttls or ssl when a password is set (it would travel unencrypted)"
    return problems


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
    """The host installs where settings come from (hosts.install); None = Django's LTV_PLUGIN."""
    global _provider
    _provider = provider


def raw_settings() -> dict[str, Any]:
    """What the host's provider (or Django's LTV_PLUGIN) holds, before validation; may hold more
    than settings (standalone's `api_key`), so show only SETTING_NAMES from it."""
    if _provider is not None:
        return dict(_provider() or {})
    from django.conf import settings as django_settings

    return dict(getattr(django_settings, "LTV_PLUGIN", {}))


def get_settings() -> ShopSettings:
    if _provider is not None:
        try:
            return build_settings(raw_settings())
        except SettingsError:
            # Saved configuration is validated on save; a stale bad value must
            # not stop ingestion, so fall back to defaults here.
            return ShopSettings(base=ChannelSettings(), per_channel={})
    return build_settings(raw_settings())


def channel_settings(channel: str | None) -> ChannelSettings:
    return get_settings().for_channel(channel)


# Where the app's URL map is mounted. Inside Saleor its plugin route decides (/plugins/global/<plugin
# id>/); standalone the LTV_URL_PREFIX setting does, with the same default so clients work unchanged.
DEFAULT_URL_PREFIX = "/plugins/global/saleor.ltv/"
_url_prefix = DEFAULT_URL_PREFIX


def clean_url_prefix(value: str) -> str:
    """"/x/y/": one leading and one trailing slash; SettingsError naming LTV_URL_PREFIX otherwise."""
    text = str(value or "").strip()
    if not text.startswith("/") or "//" in text or any(c in text for c in "?#\\ "):
        raise SettingsError({"LTV_URL_PREFIX": "must be a path such as /plugins/global/saleor.ltv/"})
    return text.rstrip("/") + "/"


def set_url_prefix(prefix: str) -> None:
    global _url_prefix
    _url_prefix = clean_url_prefix(prefix)


def url_prefix() -> str:
    """The path every route of the app hangs below, with both slashes ("/plugins/global/saleor.ltv/")."""
    return _url_prefix
