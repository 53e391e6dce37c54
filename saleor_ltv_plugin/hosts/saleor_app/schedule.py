"""Beat's entries in the App host: the shared schedule, each task sent once per shop (tasks.py)."""

FAN_OUT = "saleor_ltv_plugin.for_each_shop"


def beat_schedule(entries: dict) -> dict:
    return {name: {**entry, "task": FAN_OUT, "args": [entry["task"]]} for name, entry in entries.items()}
