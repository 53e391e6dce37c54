"""Saleor's webhook deliveries into the App host, next to a bare Django view, on one server in one run.

    python bench/app_webhooks.py [--requests 4000] [--clients 8] [--web-workers 2]

One installation (its own RSA key, as a Saleor's; its JWKS stored as the install handshake stores
it), then `saleor-ltv serve`'s uvicorn with the App's ASGI application and an extra route,
/bench/bare, a view that only reads the body (bench/_app_bench_urls.py). Client threads on
keep-alive connections send, in alternating rounds, order_updated deliveries (bodies shaped as
Saleor 3.23 sends them, signed beforehand as Saleor signs them: detached RS256 JWS) and the same
bodies to the bare view. Per request: latency; per round: deliveries per second.
Target (issue 18): webhook p95 ≤ 50 ms and ≥ 500 deliveries/s on this machine (verify + record).
`agrees`: every delivery answered 200 and the shop's inbox holds exactly one row per delivery.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
DB = os.environ.get("LTV_BENCH_APP_WEBHOOKS_DATABASE", "ltv_bench_app_webhooks")
API_URL = "https://shop-a.saleor.example/graphql/"
PREFIX = "/plugins/global/saleor.ltv/"
FIRST_ERRORS: dict[int, str] = {}  # status → the first answer's body, to say why deliveries failed


def environment(port: int) -> dict:
    from cryptography.fernet import Fernet

    return {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
            "DJANGO_SETTINGS_MODULE": "_app_bench_settings", "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
            "PUBLIC_URL": f"http://127.0.0.1:{port}", "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "LTV_APP_ENCRYPTION_KEYS": os.environ.get("LTV_APP_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
            "LTV_APP_ALLOWED_SALEOR_URLS": r"https://[a-z0-9.-]+/graphql/", "CELERY_BROKER_URL": "",
            "DEBUG": "0"}


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')


def install(private_key) -> tuple[str, str]:
    """(schema, app id) of a fresh installation whose JWKS is `private_key`'s."""
    import jwt
    from django.core.management import call_command

    from saleor_ltv_plugin import tenancy
    from saleor_ltv_plugin.hosts.saleor_app.models import Installation

    call_command("migrate", verbosity=0)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    jwks = {"keys": [{**public, "kid": "bench", "alg": "RS256", "use": "sig"}]}
    installation = Installation.objects.filter(saleor_api_url=API_URL).first() or Installation(
        saleor_api_url=API_URL, schema="ltv_bench_webhooks")
    installation.app_id, installation.token, installation.jwks = "QXBwOjE=", "bench-token", jwks
    from django.utils import timezone

    installation.jwks_fetched_at, installation.removed_at = timezone.now(), None
    installation.save()
    tenancy.create(installation.schema)
    return installation.schema, installation.app_id


def bodies(count: int, app_id: str, private_key) -> list[tuple[bytes, str]]:
    import jwt

    out = []
    for index in range(count):
        order_id = f"Order:0192d64c-5a72-7b28-bf56-{index:012d}"
        import base64

        gid = base64.b64encode(order_id.encode()).decode()
        order = {
            "id": gid, "number": str(100000 + index), "created": "2026-12-01T01:00:00+00:00",
            "updatedAt": f"2026-12-01T01:{index // 3600 % 60:02d}:{index % 60:02d}+00:00", "status": "UNFULFILLED",
            "origin": "CHECKOUT", "chargeStatus": "FULL", "channel": {"slug": "default-channel"},
            "userEmail": f"buyer{index}@shop.example", "languageCodeEnum": "JA", "checkoutId": None,
            "total": {"gross": {"amount": 11000.0, "currency": "JPY"}, "net": {"amount": 10000.0}},
            "user": None, "billingAddress": {"firstName": "太郎", "lastName": "山田", "companyName": f"株式会社ベンチ{index % 500}"},
            "lines": [{"id": base64.b64encode(f"OrderLine:{index}-1".encode()).decode(), "productSku": "SKU-TONER",
                       "productName": "トナー", "quantity": 2, "unitPrice": {"gross": {"amount": 5500.0}},
                       "totalPrice": {"gross": {"amount": 11000.0}}, "variant": None}],
            "payments": [], "transactions": [], "fulfillments": [], "metadata": [],
        }
        body = json.dumps({"__typename": "OrderUpdated", "issuedAt": "2026-12-01T01:00:01+00:00", "version": "3.23.28",
                           "recipient": {"id": app_id}, "ref": {"id": gid, "number": order["number"],
                                                                 "updatedAt": order["updatedAt"]},
                           "order": order}).encode()
        signature = jwt.api_jws.encode(body, private_key, algorithm="RS256", headers={"kid": "bench", "crit": ["b64"]},
                                       is_payload_detached=True)
        out.append((body, signature))
    return out


def send(port: int, path: str, items: list[tuple[bytes, str]], clients: int) -> tuple[list[float], list[int], float]:
    """Latencies (s) and statuses of every request, and the wall time of the whole batch."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    chunks = [items[i::clients] for i in range(clients)]

    def run(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, codes = [], []
        for body, signature in chunk:
            started = time.perf_counter()
            conn.request("POST", path, body, {"Content-Type": "application/json", "Saleor-Api-Url": API_URL,
                                              "Saleor-Event": "order_updated", "Saleor-Signature": signature})
            response = conn.getresponse()
            answer = response.read()
            if response.status >= 300:
                FIRST_ERRORS.setdefault(response.status, answer[:300].decode(errors="replace"))
            mine.append(time.perf_counter() - started)
            codes.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.support.net import free_port, wait_for

    port = free_port()
    env = environment(port)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    ensure_database()
    import django

    django.setup()
    from saleor_ltv_plugin import tenancy
    from saleor_ltv_plugin.models import InboundEvent

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    schema, app_id = install(key)
    with tenancy.enter(schema):
        InboundEvent.objects.all().delete()
    items = bodies(args.requests, app_id, key)
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "saleor_ltv_plugin.hosts.saleor_app.asgi:application",
                               "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.web_workers),
                               "--log-level", "warning", "--no-access-log"], env=env, cwd=ROOT)
    try:
        if not wait_for(lambda: _up(port), 60, 0.2):
            raise SystemExit("the App server did not start")
        send(port, "/bench/bare", items[:50], args.clients)  # warm both paths up
        send(port, PREFIX + "app/webhooks/orders", items[:50], args.clients)
        with tenancy.enter(schema):
            InboundEvent.objects.all().delete()
        samples = {"webhook": [], "bare": []}
        rates = {"webhook": [], "bare": []}
        codes = {"webhook": [], "bare": []}
        per_round = len(items) // args.rounds
        for round_index in range(args.rounds):
            batch = items[round_index * per_round:(round_index + 1) * per_round]
            for name, path in (("webhook", PREFIX + "app/webhooks/orders"), ("bare", "/bench/bare")):
                latencies, statuses, wall = send(port, path, batch, args.clients)
                samples[name] += latencies
                codes[name] += statuses
                rates[name].append(len(batch) / wall)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with tenancy.enter(schema):
        recorded = InboundEvent.objects.count()
    sent = len(codes["webhook"])
    result = {
        "deliveries": sent, "clients": args.clients, "web_workers": args.web_workers,
        "webhook_p50_ms": round(percentile(samples["webhook"], 0.5) * 1000, 2),
        "webhook_p95_ms": round(percentile(samples["webhook"], 0.95) * 1000, 2),
        "bare_p50_ms": round(percentile(samples["bare"], 0.5) * 1000, 2),
        "bare_p95_ms": round(percentile(samples["bare"], 0.95) * 1000, 2),
        "webhook_per_second": round(sorted(rates["webhook"])[len(rates["webhook"]) // 2]),
        "bare_per_second": round(sorted(rates["bare"])[len(rates["bare"]) // 2]),
        "ratio_p95": round(percentile(samples["webhook"], 0.95) / percentile(samples["bare"], 0.95), 2),
        "recorded": recorded, "statuses": {str(code): codes["webhook"].count(code) for code in sorted(set(codes["webhook"]))},
        "agrees": codes["webhook"].count(200) == sent and recorded == sent,
        "first_errors": {str(code): text for code, text in sorted(FIRST_ERRORS.items())},
        "target": {"webhook_p95_ms": 50, "webhook_per_second": 500},
    }
    print(json.dumps(result))
    return result


def _up(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", PREFIX + "health")
        return conn.getresponse().status < 500
    except OSError:
        return False


if __name__ == "__main__":
    main()
