"""The setup checklist over GraphQL (setup_check.py's items, the same as `manage.py ltv_check`)."""

from __future__ import annotations

import graphene
from django.utils import timezone

from .. import setup_check
from ..auth import Scope
from .automation import _language_arg
from .core import LtvError
from .permissions import require


class LtvSetupStatus(graphene.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


class LtvSetupItem(graphene.ObjectType):
    key = graphene.String(required=True, description="sender, public_url, consent, smtp, celery, recompute, host")
    status = graphene.Field(LtvSetupStatus, required=True)
    detail = graphene.String(required=True, language=_language_arg(), description="What was found.")
    action = graphene.String(required=True, language=_language_arg(), description="What to do; empty when OK.")

    @staticmethod
    def resolve_status(item, info):
        return LtvSetupStatus.get(item.status)

    @staticmethod
    def resolve_detail(item, info, language="en"):
        return item.detail.get(language) or item.detail["en"]

    @staticmethod
    def resolve_action(item, info, language="en"):
        return item.action.get(language) or item.action["en"]


class LtvSetupCheck(graphene.ObjectType):
    checked_at = graphene.DateTime(required=True)
    items = graphene.List(graphene.NonNull(LtvSetupItem), required=True)


class SetupQueries(graphene.ObjectType):
    ltv_setup_check = graphene.Field(
        LtvSetupCheck, required=True, channel=graphene.String(required=True),
        description="The first-day checklist: sender, public URL, consent, SMTP, Celery, recompute, Saleor "
        "(staff: MANAGE_USERS or MANAGE_ORDERS). Opens a connection to the mail server, sends nothing.")

    @staticmethod
    def resolve_ltv_setup_check(root, info, channel):
        require(info, Scope.READ)
        return LtvSetupCheck(checked_at=timezone.now(), items=setup_check.checklist(channel))


class LtvSetupTestMail(graphene.Mutation):
    """Send a test mail to the calling staff user's own address (MANAGE_PLUGINS): proves SMTP works."""

    item = graphene.Field(LtvSetupItem, description="The SMTP item after the attempt.")
    sent_to = graphene.String()
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        channel = graphene.String(description="Through this channel's own mail server when its settings name one.")

    @staticmethod
    def mutate(root, info, channel=None):
        who = require(info, Scope.SETTINGS)
        if not who.email:
            return LtvSetupTestMail(errors=[LtvError(
                field="email", message="this credential has no e-mail address to send to (use a staff token)",
                code="required")])
        item = setup_check.smtp(send_test_to=who.email, channel=channel)
        return LtvSetupTestMail(item=item, sent_to=who.email if item.status == setup_check.OK else None, errors=[])
