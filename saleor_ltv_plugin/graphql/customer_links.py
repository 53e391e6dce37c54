"""Link a mall / ERP customer (keyed by the mall's customer id) to a company account, or unlink them:
the GraphQL side of REST `customers/links` (ingest/customer_links.py does the work)."""

from __future__ import annotations

import graphene

from .. import db
from ..auth import Scope
from ..ingest.customer_links import LinkRequest, link_customers, linked_buyer, resolve, unlink_customer
from ..queries.errors import InputError
from .core import LtvError, errors_from
from .mutations import _node_pk
from .permissions import require
from .types import LtvAccount

_FIELDS = {"customer_id": "customerId", "account_id": "account", "company_name": "companyName"}


class LtvCustomerAccountLink(graphene.Mutation):
    """Link a customer keyed by a mall's or ERP's customer id to the account they buy for: every order
    of theirs moves there (in every channel) and later ones follow; both accounts are re-scored.
    Needs MANAGE_ORDERS (API keys: orders:write), as importing orders does."""

    account = graphene.Field(LtvAccount, description="The account linked to.")
    orders_moved = graphene.Int(required=True)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        customer_id = graphene.String(required=True, description="The customer's external key: rakuten:…, erp:….")
        account = graphene.ID(description="LtvAccount id; or companyName.")
        company_name = graphene.String(description="An existing company account, by name.")

    @staticmethod
    def mutate(root, info, customer_id, account=None, company_name=""):
        require(info, Scope.INGEST)
        try:
            account_pk = _node_pk(account, "LtvAccount", "account") if account else None
            pairs, problems = resolve([LinkRequest(1, customer_id.strip(), account_pk, (company_name or "").strip())])
            if problems:
                raise InputError({_FIELDS[p.field]: p.en for p in problems},
                                 ja={_FIELDS[p.field]: p.ja for p in problems})
        except InputError as exc:
            return LtvCustomerAccountLink(account=None, orders_moved=0, errors=errors_from(exc))
        with db.writer():
            result = link_customers(pairs)
        return LtvCustomerAccountLink(account=pairs[0][1], orders_moved=result.orders_moved, errors=[])


class LtvCustomerAccountUnlink(graphene.Mutation):
    """Drop a customer's link: every order of theirs moves back to the account the key rule gives
    without it (their own), later ones follow; the accounts touched are re-scored. A customer who is
    not linked is answered with unlinked false. Needs MANAGE_ORDERS (API keys: orders:write)."""

    unlinked = graphene.Boolean(required=True, description="False when the customer was not linked.")
    orders_moved = graphene.Int(required=True)
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        customer_id = graphene.String(required=True, description="The customer's external key: rakuten:…, erp:….")

    @staticmethod
    def mutate(root, info, customer_id):
        require(info, Scope.INGEST)
        contact, problem = linked_buyer(customer_id.strip())
        if problem:
            exc = InputError({"customerId": problem.en}, code=problem.code, ja={"customerId": problem.ja})
            return LtvCustomerAccountUnlink(unlinked=False, orders_moved=0, errors=errors_from(exc))
        with db.writer():
            result = unlink_customer(contact)
        return LtvCustomerAccountUnlink(unlinked=bool(result.linked), orders_moved=result.orders_moved, errors=[])
