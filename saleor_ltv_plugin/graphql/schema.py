"""The schema: staff, storefront and admin queries; mutations."""

import graphene
from graphene import relay

from . import (analyses, automation, channel_setup, customer_links, line_link, flows, membership, mutations, setup,
               shop_settings, storefront, thresholds)
from .staff import StaffQueries
from .types import LtvAccount, LtvSavedSegment


class Query(StaffQueries, analyses.AnalysisQueries, storefront.StorefrontQueries, mutations.AdminQueries, automation.AutomationQueries,
            flows.FlowQueries, setup.SetupQueries, channel_setup.ChannelSetupQueries,
            shop_settings.ShopSettingsQueries, thresholds.ThresholdsQueries, graphene.ObjectType):
    node = relay.Node.Field()


class Mutation(flows.FlowMutations, graphene.ObjectType):
    ltv_saved_segment_create = mutations.LtvSavedSegmentCreate.Field()
    ltv_saved_segment_update = mutations.LtvSavedSegmentUpdate.Field()
    ltv_saved_segment_duplicate = mutations.LtvSavedSegmentDuplicate.Field()
    ltv_saved_segment_delete = mutations.LtvSavedSegmentDelete.Field()
    ltv_recompute_trigger = mutations.LtvRecomputeTrigger.Field()
    ltv_api_key_create = mutations.LtvApiKeyCreate.Field()
    ltv_api_key_revoke = mutations.LtvApiKeyRevoke.Field()
    track_product_view = storefront.TrackProductView.Field()
    ltv_scenario_update = automation.LtvScenarioUpdate.Field()
    ltv_alert_assign = automation.LtvAlertAssign.Field()
    ltv_alert_acknowledge = automation.LtvAlertAcknowledge.Field()
    ltv_alert_close = automation.LtvAlertClose.Field()
    ltv_alert_reopen = automation.LtvAlertReopen.Field()
    ltv_call_outcome_record = automation.LtvCallOutcomeRecord.Field()
    ltv_contact_membership_set = membership.LtvContactMembershipSet.Field()
    ltv_customer_account_link = customer_links.LtvCustomerAccountLink.Field()
    ltv_customer_account_unlink = customer_links.LtvCustomerAccountUnlink.Field()
    ltv_setup_test_mail = setup.LtvSetupTestMail.Field()
    ltv_delivery_channel_test = channel_setup.LtvDeliveryChannelTest.Field()
    ltv_line_invitations_retry = channel_setup.LtvLineInvitationsRetry.Field()
    ltv_line_account_link_start = line_link.LtvLineAccountLinkStart.Field()
    ltv_shop_settings_update = shop_settings.LtvShopSettingsUpdate.Field()
    ltv_thresholds_update = thresholds.LtvThresholdsUpdate.Field()


schema = graphene.Schema(query=Query, mutation=Mutation, types=[LtvAccount, LtvSavedSegment, automation.LtvAlert, flows.LtvFlow])
