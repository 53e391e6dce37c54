"""A shop's own mail server (smtp_* settings): its mail goes there and not through the deployment's,
over STARTTLS with the certificate checked against the host name, and never to a private address
unless the IP filter allows it."""

from __future__ import annotations

import datetime as dt
import ssl
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from saleor_ltv_plugin import conf, shop_settings
from saleor_ltv_plugin.automation.channels import smtp
from saleor_ltv_plugin.models import OutboxMessage

from . import smtp_sink
from .conftest import enable
from .test_abandoned_checkout import LEFT, leave_cart, run

pytestmark = pytest.mark.django_db


def _certificate(tmp_path) -> tuple[str, str]:
    """A self-signed certificate for the name `localhost` (the files: certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.fixture
def own_server(tmp_path, monkeypatch, settings):
    """The shop's own server on loopback: STARTTLS required, AUTH only after it, user shop / pw."""
    cert, key = _certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"shop", b"pw"))

    sink = smtp_sink.Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_sink.free_port(), tls_context=server_tls,
                            require_starttls=True, auth_required=True, auth_require_tls=True,
                            authenticator=authenticate)
    controller.start()
    trusting = ssl.create_default_context
    monkeypatch.setattr(smtp.ssl, "create_default_context", lambda *a, **k: trusting(cafile=cert))
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = True
    sink.logins, sink.port = logins, controller.port
    yield sink
    controller.stop()


def _shop(settings, shop_settings, port, **more):
    settings.LTV_PLUGIN = {**shop_settings, "smtp_host": "localhost", "smtp_port": str(port),
                           "smtp_security": "starttls", "smtp_username": "shop", "smtp_password": "pw", **more}


def test_a_shops_mail_goes_to_its_own_server_over_starttls_and_not_the_deployments(
        sink, own_server, shop_settings, settings):
    _shop(settings, shop_settings, own_server.port)
    enable("abandoned_checkout")
    leave_cart()
    run(LEFT + timedelta(hours=2))
    assert own_server.count() == 1 and sink.count() == 0
    assert own_server.messages[0]["To"] == "hanako@tanaka.example"
    assert own_server.logins == [(b"shop", b"pw", True)]  # the password only inside TLS
    assert OutboxMessage.objects.get().status == "sent"


def test_a_certificate_for_another_name_is_refused_and_the_mail_waits(sink, own_server, shop_settings, settings):
    # 127.0.0.1 is the address the name resolves to, but the certificate names localhost only.
    _shop(settings, shop_settings, own_server.port, smtp_host="127.0.0.1")
    enable("abandoned_checkout")
    leave_cart()
    run(LEFT + timedelta(hours=2))
    assert own_server.count() == sink.count() == 0 and own_server.logins == []
    message = OutboxMessage.objects.get()
    assert message.status != "sent" and "certificate" in message.last_error.lower()


def test_a_private_address_is_refused_unless_the_ip_filter_allows_it(sink, own_server, shop_settings, settings):
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = False
    _shop(settings, shop_settings, own_server.port)
    enable("abandoned_checkout")
    leave_cart()
    run(LEFT + timedelta(hours=2))
    assert own_server.count() == sink.count() == 0
    message = OutboxMessage.objects.get()
    assert message.status != "sent" and "non-public address" in message.last_error
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = True  # the setting fixed: the retry goes
    run(LEFT + timedelta(hours=3))
    assert own_server.count() == 1 and sink.count() == 0


def test_bad_mail_server_settings_are_named_in_both_languages():
    with pytest.raises(conf.SettingsError) as refused:
        conf.build_settings({"smtp_host": "smtp://mail.example.jp:587", "smtp_port": "70000",
                             "smtp_security": "none", "smtp_password": "pw",
                             "channel_overrides": {"jp": {"smtp_security": "tls"}}})
    errors = refused.value.errors
    assert set(errors) == {"smtp_host", "smtp_port", "smtp_security", "channel_overrides.jp.smtp_security"}
    assert shop_settings.reason_ja(errors["smtp_host"]).startswith("ホスト名だけを指定してください")
    assert shop_settings.reason_ja(errors["smtp_port"]) == "1〜65535 を指定してください"
    assert "starttls か ssl" in shop_settings.reason_ja(errors["smtp_security"])
    shop = conf.build_settings({"smtp_host": "mail.example.jp"}).base
    assert (shop.smtp_port, shop.smtp_security) == (587, "starttls")


def test_no_password_is_sent_unencrypted_even_when_channels_mix_the_settings():
    shop = conf.build_settings({"smtp_host": "mail.example.jp", "smtp_password": "pw",
                                "channel_overrides": {"jp": {"smtp_security": "none"}}})
    assert smtp.SmtpServer.of(shop.base).password == "pw"
    assert smtp.SmtpServer.of(shop.for_channel("jp")).password == ""
    assert smtp.SmtpServer.of(conf.build_settings({}).base) is None  # no host: the deployment's server


def test_the_setup_check_and_its_test_mail_use_the_shops_own_server(sink, own_server, shop_settings, settings):
    from saleor_ltv_plugin import setup_check

    _shop(settings, shop_settings, own_server.port)
    item = setup_check.smtp(send_test_to="admin@yamada-shop.example", channel="default-channel")
    assert item.status == "ok", item.detail
    assert f"localhost:{own_server.port} (starttls)" in item.detail["en"] and "ログイン済み" in item.detail["ja"]
    assert own_server.to("admin@yamada-shop.example") and sink.count() == 0  # not the deployment's server
    assert own_server.logins[-1] == (b"shop", b"pw", True)
    nobody = smtp_sink.free_port()
    _shop(settings, shop_settings, nobody)
    refused = setup_check.smtp(channel="default-channel")
    assert refused.status == "fail" and f"localhost:{nobody}" in refused.detail["en"], refused.detail
    assert "メールサーバー" in refused.action["ja"] and "Mail server" in refused.action["en"]
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = False  # loopback is the deployment's own network
    blocked = setup_check.smtp(channel="default-channel")
    assert blocked.status == "fail" and "BlockedAddress" in blocked.detail["en"]
    assert setup_check.smtp().status == "ok"  # no channel: the deployment's server, as before
