"""The shop's clock for the walks, run as `python -m tests.dashboard.shop_clock '<json>'` with the
server's environment (its database, its mail server): at each moment the named flows take their
entrants (flows/entry.enter_flow), the runtime moves every due enrollment (flows/runtime.tick) and
the outbox sends what is due (outbox.send_due) — the beat's tasks, on a chosen clock. Prints one
JSON line per moment: entered per flow, moved, sent."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.hosts.standalone.settings")
    import django

    django.setup()
    from saleor_ltv_plugin.automation import outbox
    from saleor_ltv_plugin.automation.flows import entry, runtime
    from saleor_ltv_plugin.models import Flow

    args = json.loads(argv[1])
    out = []
    for moment in args["moments"]:
        now = dt.datetime.fromisoformat(moment)
        entered = {str(pk): entry.enter_flow(Flow.objects.select_related("live_version").get(pk=pk), now)
                   for pk in args["enter"]}
        moved = runtime.tick(now=now)
        sent = outbox.send_due(now=now, budget_seconds=120)
        out.append({"at": moment, "entered": entered, "moved": moved, "sent": sent})
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(sys.argv)
