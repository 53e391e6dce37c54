"""The setup checklist: what a shop must see on its first day, each item with what to do.

Used by `manage.py ltv_check` (and Django's system checks for what can be told from settings
alone). Every item answers in Japanese and English; nothing here changes state except the
optional test mail.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import checks, mail
from django.utils import timezone

from . import conf
from .automation import sender_identity
from .automation.catalog import SCENARIOS

OK, WARN, FAIL = "ok", "warn", "fail"
HEARTBEAT_STALE = timedelta(minutes=5)  # the scan runs every minute
INBOX_STALE = timedelta(minutes=5)  # events are applied every 10 s
RECOMPUTE_STALE = timedelta(hours=36)  # nightly


@dataclass(frozen=True)
class Item:
    key: str
    status: str  # ok / warn / fail
    detail: dict[str, str]  # language → what we found
    action: dict[str, str]  # language → what to do (empty when ok)


def _item(key, status, detail_en, detail_ja, action_en="", action_ja="") -> Item:
    return Item(key, status, {"en": detail_en, "ja": detail_ja}, {"en": action_en, "ja": action_ja})


def sender(channel: str) -> Item:
    missing = [n for n in sender_identity.missing(channel) if n != "public_url"]
    if not missing:
        return _item("sender", OK, "sender name, address and postal address are set",
                     "送信者名・メールアドレス・住所が設定されています")
    names = ", ".join(missing)
    return _item("sender", FAIL, f"missing: {names}", f"未設定: `{names}`",
                 "set them in the plugin settings (特定電子メール法: every marketing mail names its sender)",
                 "プラグイン設定で入力してください（特定電子メール法により送信者の表示が必要です）")


def public_url(channel: str) -> Item:
    if "public_url" not in sender_identity.missing(channel):
        return _item("public_url", OK, "links in mail point to the public URL", "メール内リンクは公開URLを指します")
    return _item("public_url", FAIL, "no public URL: links in mail would point to localhost",
                 "公開URLが未設定です（メール内リンクが `localhost` を指してしまいます）",
                 "set public_url to where this app is reachable from the internet",
                 "`public_url` にインターネットから到達できるURLを設定してください")


def consent(channel: str) -> Item:
    from .models import ConsentState, Contact

    shop = conf.channel_settings(channel)
    buyers = Contact.objects.exclude(email="").filter(erased_at__isnull=True)
    total = buyers.count()
    reachable = buyers.filter(unsubscribed_at__isnull=True).exclude(marketing_consent=ConsentState.REVOKED)
    if shop.consent_mode == "opt_in":
        reachable = reachable.filter(marketing_consent=ConsentState.GRANTED)
    count = reachable.count()
    detail_en = f"{count:,} of {total:,} buyers may receive marketing mail ({shop.consent_mode})"
    detail_ja = f"{total:,}人中{count:,}人にマーケティングメールを送信できます（`{shop.consent_mode}`）"
    if count:
        return _item("consent", OK, detail_en, detail_ja)
    return _item("consent", FAIL if total else WARN, detail_en, detail_ja,
                 f"record consent: Saleor user metadata `{shop.consent_metadata_key}` = true (set by the storefront "
                 "at sign-up), or import it; opt_out mode only where the law allows it",
                 f"同意を記録してください: Saleorのユーザーメタデータ `{shop.consent_metadata_key}` = true"
                 "（会員登録時にストアフロントが設定）またはインポート。`opt_out` は法律が認める場合のみ")


def smtp(send_test_to: str = "", channel: str | None = None) -> Item:
    """The channel's own mail server when its settings name one (what its mail goes through),
    else the deployment's."""
    from .automation.channels.smtp import SmtpServer

    shop = conf.channel_settings(channel) if channel else None
    server = SmtpServer.of(shop) if shop is not None else None
    if server is not None:
        return _shop_smtp(server, send_test_to, shop.sender_email)
    backend = getattr(settings, "EMAIL_BACKEND", "")
    try:
        connection = mail.get_connection(timeout=10) if "smtp" in backend else mail.get_connection()
        connection.open()
        if send_test_to:
            message = _test_mail(send_test_to)
            message.connection = connection
            message.send()
        connection.close()
    except (OSError, socket.error) as exc:
        return _item("smtp", FAIL, f"cannot reach the mail server ({backend}): {exc}",
                     f"メールサーバーに接続できません（`{backend}`）: `{exc}`",
                     "check EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER (Saleor: EMAIL_URL)",
                     "`EMAIL_HOST` / `EMAIL_PORT` / `EMAIL_HOST_USER`（Saleorでは `EMAIL_URL`）を確認してください")
    sent = f"; a test mail went to {send_test_to}" if send_test_to else ""
    sent_ja = f"。{send_test_to} にテストメールを送りました" if send_test_to else ""
    return _item("smtp", OK, f"mail server reachable ({backend}){sent}", f"メールサーバーに接続できます（`{backend}`）{sent_ja}")


def _shop_smtp(server, send_test_to: str, from_email: str) -> Item:
    """Connect (address vetted, TLS as set, login) through the sender the outbox uses, and send
    the test mail through it too."""
    import smtplib

    from .automation import channels
    from .automation.channels.smtp import TwoPhaseSMTP
    from .automation.channels.webhook import BlockedAddress

    name = f"{server.host}:{server.port} ({server.security})"
    mailer = TwoPhaseSMTP(server)
    try:
        mailer.connect()
        if send_test_to:
            outcome = mailer.send(_test_mail(send_test_to, from_email), commit=lambda: True)
            if outcome.status != channels.SENT:
                raise smtplib.SMTPException(outcome.detail or outcome.status)
    except (smtplib.SMTPException, OSError, BlockedAddress) as exc:
        return _item("smtp", FAIL, f"cannot use the shop's mail server {name}: {type(exc).__name__}: {exc}",
                     f"店舗のメールサーバー {name} を使えません: `{type(exc).__name__}: {exc}`",
                     "check the Mail server settings (host, port, security, user name, password)",
                     "設定の「メールサーバー」（ホスト・ポート・暗号化・ユーザー名・パスワード）を確認してください")
    finally:
        mailer.close()
    login = ", logged in" if server.username and server.password else ""
    login_ja = "、ログイン済み" if login else ""
    sent = f"; a test mail went to {send_test_to}" if send_test_to else ""
    sent_ja = f"。{send_test_to} にテストメールを送りました" if send_test_to else ""
    return _item("smtp", OK, f"the shop's mail server {name} reachable{login}{sent}",
                 f"店舗のメールサーバー {name} に接続できます{login_ja}{sent_ja}")


def _test_mail(to: str, from_email: str = "") -> mail.EmailMessage:
    return mail.EmailMessage("LTV: test mail / テストメール", "This is a test mail from ltv_check.\n"
                             "ltv_check からのテストメールです。", from_email=from_email or None, to=[to])


def workers(now=None) -> Item:
    from .models import InboundEvent, InboundStatus, TaskHeartbeat

    now = now or timezone.now()
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return _item("celery", WARN, "no Celery broker: tasks run in-process, nothing periodic runs",
                     "Celeryブローカー未設定: タスクはプロセス内で実行され、定期実行はありません",
                     "set CELERY_BROKER_URL and run `celery -A saleor_ltv_plugin.hosts.standalone.celery worker -B` "
                     "(until then, run `saleor-ltv ltv_process_events` from cron: it applies events and re-sends "
                     "LINE link invitations)",
                     "`CELERY_BROKER_URL` を設定し `celery -A saleor_ltv_plugin.hosts.standalone.celery worker -B` を起動してください"
                     "（それまでは cron で `saleor-ltv ltv_process_events` を実行してください。受信イベントの反映と"
                     "LINE連携のご案内の再送を行います）")
    beats = dict(TaskHeartbeat.objects.filter(task__in=["scan_scenarios", "apply_inbox"])
                 .values_list("task", "beat_at"))
    beat, applied = beats.get("scan_scenarios"), beats.get("apply_inbox")
    oldest = InboundEvent.objects.filter(status__in=[InboundStatus.PENDING, InboundStatus.FAILED]) \
        .order_by("received_at").values_list("received_at", flat=True).first()

    def ago(at, ja=False):
        if at is None:
            return "一度もありません" if ja else "never"
        seconds = int((now - at).total_seconds())
        return (f"{seconds}秒前" if ja else f"{seconds} s ago") if seconds < 120 else \
            (f"{seconds // 60}分前" if ja else f"{seconds // 60} min ago")

    seen_en = f"last scenario scan: {ago(beat)}; last inbound-event apply: {ago(applied)}"
    seen_ja = f"最後のシナリオスキャン: {ago(beat, True)}、最後の受信イベント反映: {ago(applied, True)}"
    stale = beat is None or now - beat > HEARTBEAT_STALE or (applied is not None and now - applied > INBOX_STALE)
    if stale or (oldest and now - oldest > INBOX_STALE):
        lag = f"; oldest unapplied event {int((now - oldest).total_seconds())} s old" if oldest else ""
        lag_ja = f"、未反映の最古のイベント {int((now - oldest).total_seconds())}秒前" if oldest else ""
        return _item("celery", FAIL, seen_en + lag, seen_ja + lag_ja,
                     "start Saleor's Celery worker and beat (both run the plugin's tasks)",
                     "SaleorのCelery `worker` と `beat` を起動してください（プラグインのタスクも実行します）")
    return _item("celery", OK, f"worker and beat alive ({seen_en})", f"Celery `worker` と `beat` は稼働中です（{seen_ja}）")


def recompute(now=None) -> Item:
    from .models import RecomputeRun

    now = now or timezone.now()
    last = RecomputeRun.objects.order_by("-started_at").first()
    if last is None:
        return _item("recompute", FAIL, "no recompute has run yet: no metrics", "まだ集計が実行されていません",
                     "run `manage.py ltv_backfill` then `manage.py ltv_recompute`",
                     "`manage.py ltv_backfill` の後 `manage.py ltv_recompute` を実行してください")
    age = now - last.started_at
    detail_en = f"last recompute {last.status}, {age.total_seconds() / 3600:.1f} h ago, {last.accounts or 0:,} accounts"
    detail_ja = f"最後の集計: `{last.status}`、{age.total_seconds() / 3600:.1f}時間前、{last.accounts or 0:,}件"
    if last.status == "failed" or age > RECOMPUTE_STALE:
        return _item("recompute", WARN, detail_en, detail_ja, "check the worker's log; the nightly run comes from beat",
                     "`worker` のログを確認してください（夜間の集計は `beat` が起動します）")
    return _item("recompute", OK, detail_en, detail_ja)


def host() -> Item:
    from importlib import metadata

    try:  # the distribution's version: no import of Saleor outside its adapter
        version = metadata.version("saleor")
    except metadata.PackageNotFoundError:
        return _item("host", OK, "standalone (no Saleor)", "スタンドアロン（Saleorなし）")
    if not version.startswith("3.23"):
        return _item("host", WARN, f"Saleor {version}; tested with 3.23", f"Saleor {version}（動作確認は3.23）",
                     "run the Saleor tier against this version before relying on it",
                     "このバージョンでの動作を確認してください")
    return _item("host", OK, f"Saleor {version}", f"Saleor {version}")


def checklist(channel: str, send_test_to: str = "") -> list[Item]:
    return [sender(channel), public_url(channel), consent(channel), smtp(send_test_to, channel), workers(), recompute(),
            host()]


@checks.register("saleor_ltv")
def settings_checks(app_configs=None, **kwargs):
    """What settings alone can tell: invalid plugin settings, and buyer mail that cannot go out."""
    from django.db import DatabaseError

    try:
        conf.get_settings()
        missing = sender_identity.missing(None)
    except conf.SettingsError as exc:
        return [checks.Error(f"LTV plugin settings: {exc}", id="saleor_ltv.E001",
                             hint="fix the named fields on the Dashboard's Settings page (ショップ設定), "
                                  "in LTV_PLUGIN, or in the plugin's configuration")]
    except DatabaseError:  # inside Saleor the settings live in its database: not migrated yet
        return []
    if missing and any(s.mails_buyer for s in SCENARIOS.values()):
        return [checks.Warning(
            f"buyer-mail scenarios cannot be switched on until these are set: {', '.join(missing)}",
            id="saleor_ltv.W001", hint="特定電子メール法: sender name, address, postal address and public URL")]
    return []
