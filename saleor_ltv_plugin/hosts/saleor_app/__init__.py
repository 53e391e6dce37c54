"""The external Saleor App host: Saleor installs it from its manifest URL, sends it signed webhooks,
and lets it call Saleor's GraphQL API with an app token. One deployment serves many installations
(tenants), each in its own PostgreSQL schema (tenancy.py).

    models.py         the installations (public schema): API URL, app id, encrypted token, JWKS
    jws.py            Saleor's detached-payload JWS and Dashboard JWTs, against an installation's JWKS
    register.py       the install handshake (tokenTargetUrl)
    webhooks.py       verify, record, 200
    subscriptions.py  the subscription queries the manifest registers
    payloads.py       a webhook body or a GraphQL node → the inbox's fact JSON
    client.py         Saleor's GraphQL API with the app token (paging, back-off)
    sync.py           backfill and reconcile through that client
    plugin_move.py    a shop's history copied from the plugin's tables (ltv_import_plugin_data)
"""
