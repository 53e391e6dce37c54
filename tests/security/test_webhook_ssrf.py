"""Staff-webhook SSRF: the address that was checked is the address connected to (DNS rebinding),
and the loopback / private / link-local forms an attacker would try are refused."""

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from saleor_ltv_plugin.automation.channels import DEAD, RETRY, SENT, webhook

PUBLIC = "93.184.216.34"  # a global address; the test never lets a packet go there
_real_getaddrinfo = socket.getaddrinfo
_real_create_connection = socket.create_connection


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture
def strict_filter(settings):
    settings.HTTP_IP_FILTER_ENABLED = True
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = False
    return settings


@pytest.fixture
def loopback_allowed(settings):
    """As Saleor's HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS: the receivers of these tests are on loopback."""
    settings.HTTP_IP_FILTER_ENABLED = True
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = True
    return settings


def _answer(address: str, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
    return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]


@pytest.fixture
def dns(monkeypatch):
    """A resolver for *.attacker.example that answers from a script, one answer a lookup (the last
    repeats); every other name resolves for real. Records every connection attempted; a connection
    to a non-loopback address is refused on the spot, so nothing leaves the machine."""
    script: dict[str, list[list[str]]] = {}
    lookups: list[str] = []
    connections: list[tuple] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".attacker.example"):
            lookups.append(host)
            answers = script[host]
            addresses = answers.pop(0) if len(answers) > 1 else answers[0]
            return [info for a in addresses for info in _answer(a, port)]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        connections.append(address)
        try:
            ip = ipaddress.ip_address(address[0])
        except ValueError:  # a name: resolved by the (scripted) resolver, as the stdlib does
            return _real_create_connection(address, *args, **kwargs)
        if not ip.is_loopback:
            raise ConnectionRefusedError(f"test: no traffic to {ip}")
        return _real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return script, lookups, connections


def _post(url):
    return webhook.post(url, "secret", {"text": "x"}, "delivery-1", lambda: True)


@pytest.mark.parametrize("second", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_dns_rebinding_cannot_reach_loopback(strict_filter, loopback_server, dns, second):
    """Public on the check, loopback on the connect: the connection goes to the public address that
    was checked (and fails here), the loopback server receives nothing."""
    script, lookups, connections = dns
    script["hook.attacker.example"] = [[PUBLIC], [second]]
    outcome = _post(f"http://hook.attacker.example:{loopback_server}/hook")
    assert Receiver.received == []
    assert outcome.status == RETRY and "refused" in outcome.detail.lower()
    assert lookups == ["hook.attacker.example"]  # resolved once
    assert [c[0] for c in connections] == [PUBLIC]


def test_the_pinned_connection_keeps_the_host_header_and_path(loopback_allowed, loopback_server, dns):
    script, lookups, connections = dns
    script["hook.attacker.example"] = [["127.0.0.1"], [PUBLIC]]
    outcome = _post(f"http://hook.attacker.example:{loopback_server}/hook/x?y=1")
    assert outcome.status == SENT, outcome
    (path, headers, body), = Receiver.received
    assert path == "/hook/x?y=1" and body == b'{"text": "x"}'
    assert headers["Host"] == f"hook.attacker.example:{loopback_server}"
    assert headers["X-LTV-Signature"].startswith("sha256=")
    assert connections == [("127.0.0.1", loopback_server)]


def _certificate(directory, name: str) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    cert, key = str(directory / f"{name}.pem"), str(directory / f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """A real HTTPS server on loopback whose certificate names secure.attacker.example, and a
    client trust store holding only that certificate."""
    cert, key = _certificate(tmp_path, "secure.attacker.example")
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(ssl, "_create_default_https_context", lambda: ssl.create_default_context(cafile=cert))
    yield server.server_port
    server.shutdown()
    server.server_close()


def test_https_is_pinned_and_the_certificate_is_checked_against_the_url_host(loopback_allowed, dns, tls_server):
    script, _, connections = dns
    script["secure.attacker.example"] = [["127.0.0.1"], [PUBLIC]]
    outcome = _post(f"https://secure.attacker.example:{tls_server}/hook")
    assert outcome.status == SENT, outcome
    assert connections == [("127.0.0.1", tls_server)]
    (_, headers, _), = Receiver.received
    assert headers["Host"] == f"secure.attacker.example:{tls_server}"
    # Another name pinned to the same address: the certificate does not match it, nothing is sent.
    script["other.attacker.example"] = [["127.0.0.1"]]
    outcome = _post(f"https://other.attacker.example:{tls_server}/hook")
    assert outcome.status == RETRY and "certificate" in outcome.detail.lower(), outcome
    assert len(Receiver.received) == 1


@pytest.mark.parametrize("answer", [
    ["127.0.0.1"], ["127.1.2.3"], ["::1"], ["::ffff:127.0.0.1"], ["0.0.0.0"], ["::"], ["10.0.0.5"],
    ["172.16.9.9"], ["192.168.1.1"], ["169.254.169.254"], ["100.64.0.1"], ["fd00::1"], ["fe80::1"],
    ["::ffff:10.0.0.5"], ["64:ff9b::7f00:1"], ["2002:7f00:1::"], ["2002:a00:5::"],
    [PUBLIC, "127.0.0.1"], [PUBLIC, "10.0.0.5"],
])
def test_names_resolving_to_internal_addresses_are_refused(strict_filter, dns, answer):
    script, _, connections = dns
    script["internal.attacker.example"] = [answer]
    outcome = _post("http://internal.attacker.example/hook")
    assert outcome.status == DEAD and "non-public" in outcome.detail, outcome
    assert connections == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://127.1/hook", "http://0x7f000001/hook", "http://2130706433/hook",
    "http://017700000001/hook", "http://0/hook", "http://localhost/hook", "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook", "http://[0:0:0:0:0:ffff:7f00:1]/hook", "http://169.254.169.254/latest",
    "http://[fd00::1]/hook", "http://10.0.0.5/hook", "http://user@127.0.0.1/hook",
])
def test_literal_internal_addresses_are_refused(strict_filter, loopback_server, url):
    outcome = _post(url)
    assert outcome.status == DEAD and "non-public" in outcome.detail, outcome
    assert Receiver.received == []


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1/x", "http:///x"])
def test_other_schemes_are_refused(strict_filter, url):
    outcome = _post(url)
    assert outcome.status == DEAD and "http(s)" in outcome.detail
