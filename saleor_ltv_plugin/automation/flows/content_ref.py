"""The content a flow message's step carries, for the buyer-mail channel.

A send step's content is either a reference to a ready scenario's copy, ``{"template": key,
"step": i}``, or an inline content document ``{"ja": {"subject", "preheader", "blocks"}, "en": …}``.
"""

from __future__ import annotations

from ...models import OutboxMessage
from .runtime import plan_of


def message_content(message: OutboxMessage) -> dict | None:
    """The step's content as published in the message's flow version; None for a scenario's message
    (no flow version), a staff step, or a step the version does not have."""
    if not message.enrollment.flow_version_id or not message.step_id:
        return None
    plan = plan_of(message.enrollment.flow_version)  # read with the message (outbox.claim)
    step = plan.definition.steps.get(message.step_id) if plan else None
    return step.content if step is not None and step.kind == "send" else None


def message_document(message: OutboxMessage, copy_override: dict | None = None):
    """The content document a flow message renders; None: the ready scenario's mail for its step."""
    from .mail_content import document

    raw = message_content(message)
    return document(raw, copy_override) if raw is not None else None
