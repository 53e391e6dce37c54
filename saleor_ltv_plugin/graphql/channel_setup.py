"""The delivery channels' settings and their connection test over GraphQL (channel_setup.py)."""

from __future__ import annotations

import graphene

from .. import channel_setup, conf, db
from ..auth import Scope
from .automation import _language_arg
from .core import LtvError
from .permissions import require

LANGUAGES = {"ja": 0, "en": 1}  # the order of conf.SETTING_TEXT's pairs


def setting_text(name: str, language: str, part: str = "label") -> str:
    """A setting's label (or help) in `language` (conf.SETTING_TEXT); its name where it has none."""
    text = conf.SETTING_TEXT.get(name, {}).get(part)
    return text[LANGUAGES.get(language, 1)] if text else name


class LtvChannelSetting(graphene.ObjectType):
    name = graphene.String(required=True)
    label = graphene.String(required=True, language=_language_arg())
    secret = graphene.Boolean(required=True, description="A credential: only whether it is set is shown.")
    is_set = graphene.Boolean(required=True)
    required = graphene.Boolean(required=True)

    @staticmethod
    def resolve_label(row, info, language="en"):
        return setting_text(row.name, language)


class LtvSendLimits(graphene.ObjectType):
    weekly_cap = graphene.Boolean(required=True, description="Counts toward the per-contact weekly cap.")
    quiet_hours = graphene.Boolean(required=True, description="Waits out the shop's quiet hours.")
    per_second = graphene.Float(description="The provider's rate limit (messages per second), when known.")


class LtvLineInvitations(graphene.ObjectType):
    pending = graphene.Int(required=True, description="To be sent or retried (LINE busy or unreachable).")
    invited = graphene.Int(required=True, description="Sent (the follower may have linked since).")
    failed = graphene.Int(required=True, description="Refused by LINE, no linking page set, or out of tries.")


class LtvDeliveryChannel(graphene.ObjectType):
    kind = graphene.String(required=True, description="The delivery kind outbox rows store (email, line, sms …).")
    configured = graphene.Boolean(required=True, description="No required setting is empty.")
    missing_settings = graphene.List(graphene.NonNull(graphene.String), required=True)
    settings = graphene.List(graphene.NonNull(LtvChannelSetting), required=True,
                             description="Its settings; a secret one's value is never shown.")
    needs = graphene.List(graphene.NonNull(graphene.String), required=True,
                          description="Contact data it cannot send without (email, phone, line_id, postal_address).")
    consent_key = graphene.String(description="The consent a buyer must have given (null: none asked, staff).")
    consent_until_revoked = graphene.Boolean(required=True, description="Needs no opt-in; a refusal stops it.")
    two_phase = graphene.Boolean(required=True, description="Can take a message back until the hand-over.")
    limits = graphene.Field(LtvSendLimits, required=True)
    test_recipient = graphene.String(description="A connection test goes to: email (yours), line_id or phone "
                                                 "(given); null: no test.")
    link_invitations = graphene.Field(LtvLineInvitations, description="LINE only: the account-link invitations "
                                      "sent to followers no contact carries, per state, over the shop's followers.")

    @staticmethod
    def resolve_link_invitations(status, info):
        if status.kind != "line":
            return None
        from ..automation import line_invites

        return LtvLineInvitations(**line_invites.counts())

    @staticmethod
    def resolve_missing_settings(status, info):
        return status.missing

    @staticmethod
    def resolve_settings(status, info):
        return [LtvChannelSetting(name=name, secret=name in conf.SECRET_SETTINGS, is_set=is_set,
                                  required=name in status.channel.required_settings)
                for name, is_set in status.is_set.items()]

    @staticmethod
    def resolve_needs(status, info):
        return list(status.channel.needs)

    @staticmethod
    def resolve_consent_key(status, info):
        return status.channel.consent_key

    @staticmethod
    def resolve_consent_until_revoked(status, info):
        return status.channel.consent_until_revoked

    @staticmethod
    def resolve_two_phase(status, info):
        return status.channel.two_phase

    @staticmethod
    def resolve_limits(status, info):
        limits = status.channel.limits
        return LtvSendLimits(weekly_cap=limits.weekly_cap, quiet_hours=limits.quiet_hours, per_second=limits.per_second)

    @staticmethod
    def resolve_test_recipient(status, info):
        return status.channel.test_recipient


class ChannelSetupQueries(graphene.ObjectType):
    ltv_delivery_channels = graphene.List(
        graphene.NonNull(LtvDeliveryChannel), required=True, channel=graphene.String(required=True),
        description="Every registered delivery channel: configured or which settings are missing, its consent "
        "rule and limits (MANAGE_PLUGINS; API keys: settings:write). Secrets are shown as set or unset only.")

    @staticmethod
    def resolve_ltv_delivery_channels(root, info, channel):
        require(info, Scope.SETTINGS)
        return channel_setup.overview(channel)


ANSWER_TEXT = {  # (ok?, reached?) → (ja, en)
    (True, True): ("送信先が受け付けました", "Accepted by the provider"),
    (False, True): ("送信先がエラーを返しました", "The provider answered with an error"),
    (False, False): ("送信先に接続できませんでした", "Could not reach the provider"),
}


class LtvProviderAnswer(graphene.ObjectType):
    ok = graphene.Boolean(required=True)
    code = graphene.String(required=True, description="The provider's status or error code; 'unreachable'.")
    provider_message = graphene.String(required=True, description="The provider's own words.")
    summary = graphene.String(required=True, language=_language_arg(), description="What happened, ja or en.")

    @staticmethod
    def resolve_provider_message(answer, info):
        return answer.message

    @staticmethod
    def resolve_summary(answer, info, language="en"):
        text = ANSWER_TEXT[(answer.ok, answer.code != "unreachable")][LANGUAGES.get(language, 1)]
        return f"{text} ({answer.code}): {answer.message}" if answer.message else f"{text} ({answer.code})"


class LtvDeliveryChannelTest(graphene.Mutation):
    """Send one test message through a delivery channel now, not through the outbox (MANAGE_PLUGINS): e-mail
    to your own address, LINE to the user id given, SMS to the number given. At most 5 per 10 minutes."""

    class Arguments:
        channel = graphene.String(required=True, description="The sales channel whose settings to use.")
        kind = graphene.String(required=True, description="The delivery kind: email, line, sms.")
        to = graphene.String(description="LINE user id (U + 32 hex) or phone number; ignored for e-mail.")

    sent_to = graphene.String()
    answer = graphene.Field(LtvProviderAnswer)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    @staticmethod
    def mutate(root, info, channel, kind, to=""):
        who = require(info, Scope.SETTINGS)
        try:
            sent_to, answer = channel_setup.send_test(channel, kind, to or "", who)
        except channel_setup.TestRefused as exc:
            return LtvDeliveryChannelTest(errors=[LtvError(field=exc.field, message=str(exc), code=exc.code)])
        except conf.SettingsError as exc:
            return LtvDeliveryChannelTest(errors=[LtvError(field=None, message=str(exc), code="invalid")])
        return LtvDeliveryChannelTest(sent_to=sent_to, answer=answer, errors=[])


class LtvLineInvitationsRetry(graphene.Mutation):
    """Give the failed LINE link invitations of those still following and not linked yet a fresh set of
    tries (after the linking page is set, or LINE answers again); the next sweep sends them
    (MANAGE_PLUGINS; API keys: settings:write)."""

    retried = graphene.Int(required=True, description="Invitations pending again.")
    invitations = graphene.Field(LtvLineInvitations, required=True)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    @staticmethod
    def mutate(root, info):
        from ..automation import line_invites

        require(info, Scope.SETTINGS)
        with db.writer():
            retried = line_invites.retry_failed()
        return LtvLineInvitationsRetry(retried=retried, invitations=LtvLineInvitations(**line_invites.counts()),
                                       errors=[])
