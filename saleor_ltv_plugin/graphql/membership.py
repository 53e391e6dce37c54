"""Staff confirm that a buyer belongs to a company account (issue 15 #7): only confirmed buyers
see a shared account's rhythm on the storefront (see queries/membership.py for the rules)."""

from __future__ import annotations

import graphene
from django.db import transaction
from django.utils import timezone

from .. import db
from ..auth import Scope
from ..models import AccountContact
from ..queries.errors import InputError
from .core import LtvError, errors_from
from .mutations import _node_pk
from .permissions import require
from .types import LtvContact


def _membership(account: str, contact: str) -> AccountContact:
    account_pk = _node_pk(account, "LtvAccount", "account")
    contact_pk = _node_pk(contact, "LtvContact", "contact")
    link = (AccountContact.objects.select_for_update().select_related("contact")
            .filter(account_id=account_pk, contact_id=contact_pk, contact__erased_at__isnull=True).first())
    if link is None:
        raise InputError({"contact": "is not a buyer of this account (この取引先の購入者ではありません)"},
                         code="not_found")
    return link


class LtvContactMembershipSet(graphene.Mutation):
    """Confirm (or withdraw) that a buyer belongs to an account. Needs MANAGE_USERS: it decides
    which customer sees which company's purchases, as Saleor's customer permissions do."""

    contact = graphene.Field(LtvContact)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        account = graphene.ID(required=True, description="LtvAccount id.")
        contact = graphene.ID(required=True, description="LtvContact.contactId of one of its buyers.")
        confirmed = graphene.Boolean(required=True)

    @staticmethod
    def mutate(root, info, account, contact, confirmed):
        who = require(info, Scope.SEGMENTS)
        try:
            with db.writer(), transaction.atomic():
                link = _membership(account, contact)
                link.confirmed_at = timezone.now() if confirmed else None
                link.confirmed_by = (who.email or who.label or who.user_id or who.kind)[:254] if confirmed else ""
                link.save(update_fields=["confirmed_at", "confirmed_by"])
        except InputError as exc:
            return LtvContactMembershipSet(contact=None, errors=errors_from(exc))
        link.contact.ltv_link = link
        return LtvContactMembershipSet(contact=link.contact, errors=[])
