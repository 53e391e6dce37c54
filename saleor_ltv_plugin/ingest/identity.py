"""Buyers (contacts) and their erasure.

Erasure keeps a hash of the erased e-mail and user id, so an order replayed or
reconciled later from Saleor (which keeps `user_email` on orders) is stored
anonymously instead of re-creating the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields as dataclass_fields

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ..models import (
    Account,
    AccountContact,
    CheckoutFact,
    ConsentState,
    Contact,
    ErasedIdentity,
    OrderFact,
    OrderLineFact,
)
from . import payload_scrub
from .bulk_sql import bulk_set
from .account_keys import normalise_email
from .facts import CustomerData, CustomerRef, PostalAddress

# From this many buyers on, plain ones (no metadata, no company flag) are merged set-based.
SET_BASED_MIN = 200
PROFILE_FIELDS = ("first_name", "last_name", "company_name", "language_code")
ADDRESS_PARTS = tuple(part.name for part in dataclass_fields(PostalAddress))
ADDRESS_FIELDS = tuple(f"address_{part}" for part in ADDRESS_PARTS)  # Contact's columns
# What the other delivery channels need; an order fills them in where the contact has none,
# the user's own profile (a customer event) replaces them.
REACH_FIELDS = ("phone", "line_user_id", "birthday", *ADDRESS_FIELDS)


def reach_values(ref: CustomerRef) -> dict:
    """The ref's phone, LINE id, birthday and address as Contact columns; what it does not say is left out.

    The address moves as one unit, so a contact never holds lines of two different addresses."""
    values = {name: getattr(ref, name) for name in ("phone", "line_user_id", "birthday") if getattr(ref, name)}
    if ref.address:
        values.update({f"address_{part}": getattr(ref.address, part) for part in ADDRESS_PARTS})
    return values


def _fill_reach(contact: Contact, ref: CustomerRef, replace: bool) -> bool:
    values = reach_values(ref)
    if not replace:
        if contact.address_postal_code or contact.address_line1:
            values = {k: v for k, v in values.items() if not k.startswith("address_")}
        values = {k: v for k, v in values.items() if k.startswith("address_") or not getattr(contact, k)}
    dirty = False
    for name, value in values.items():
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            dirty = True
    return dirty


def identity_hash(kind: str, value: str) -> str:
    """Keyed hash (HMAC with SECRET_KEY), so an erased e-mail cannot be found by guessing."""
    return salted_hmac("saleor_ltv_plugin.erasure", f"{kind}:{value}", algorithm="sha256").hexdigest()


def identity_hashes(ref: CustomerRef) -> list[str]:
    hashes = []
    if ref.user_id:
        hashes.append(identity_hash("user", str(ref.user_id)))
    if ref.email:
        hashes.append(identity_hash("email", normalise_email(ref.email)))
    return hashes


def anonymous_account_key(ref: CustomerRef) -> str:
    """The key an erased person's account keeps: stable, and no longer personal data."""
    email = normalise_email(ref.email)
    digest = identity_hash("email", email) if email else identity_hash("user", str(ref.user_id))
    return "erased:" + digest[:32]


def erased_among(refs: Iterable[CustomerRef]) -> set[str]:
    """The identity hashes among refs that were erased (one query, or one cheap one when nobody was)."""
    refs = [ref for ref in refs if ref.user_id or ref.email]
    if not refs or not ErasedIdentity.objects.exists():  # most shops: no keyed hash per ref at all
        return set()
    wanted = {h for ref in refs for h in identity_hashes(ref)}
    if not wanted:
        return set()
    return set(
        ErasedIdentity.objects.filter(identity_hash__in=wanted).values_list("identity_hash", flat=True)
    )


# The first slot of a lookup key holding a mall's customer id instead of a Saleor user id
# (Saleor's ids, numbers or base64 global ids, never contain a colon).
EXTERNAL = "external:"


def contact_lookup(ref: CustomerRef) -> tuple[str | None, str] | None:
    """(user id, e-mail) identifying a contact: registered by user id, mall buyers by the mall's
    customer id (as (EXTERNAL + key, "")), guests by e-mail."""
    email = normalise_email(ref.email)
    if ref.user_id:
        return (str(ref.user_id), "")
    if ref.external_key:
        return (EXTERNAL + ref.external_key, "")
    if email:
        return (None, email)
    return None


def _new_contact(ref: CustomerRef) -> Contact:
    return Contact(
        saleor_user_id=str(ref.user_id) if ref.user_id else None,
        external_key="" if ref.user_id else ref.external_key[:128],
        email=normalise_email(ref.email),
        first_name=ref.first_name[:256],
        last_name=ref.last_name[:256],
        company_name=ref.company_name[:256],
        language_code=ref.language_code[:35],
        metadata=dict(ref.metadata),
        company_confirmed=bool(ref.company_confirmed),
        **reach_values(ref),
    )


def by_lookup(refs: Iterable[CustomerRef]) -> dict[tuple[str | None, str], CustomerRef]:
    """The refs by the key that finds their contact, the first of each (refs without one left out)."""
    wanted: dict[tuple[str | None, str], CustomerRef] = {}
    for ref in refs:
        key = contact_lookup(ref)
        if key is not None:
            wanted.setdefault(key, ref)
    return wanted


def upsert_contacts(refs: Iterable[CustomerRef]) -> dict[tuple[str | None, str], Contact]:
    """Find or create the buyers named by refs (bulk); fill in fields they lacked."""
    wanted = by_lookup(refs)
    if not wanted:
        return {}
    if len(wanted) >= SET_BASED_MIN and connection.vendor in ("postgresql", "sqlite"):
        from .bulk_accounts import contacts as merge_contacts, plain  # they build on this module

        if all(plain(ref) for ref in wanted.values()):
            # The same rules merged set-based (bulk_accounts): Django's bulk_create compiled one
            # INSERT per ~28 contacts on SQLite, most of the demo's registration of its buyers.
            from .bulk_stage import Stage

            with transaction.atomic(), connection.cursor() as cursor:
                stage = Stage(cursor, timezone.now())
                merge_contacts(stage, wanted.values(), stage.now)
                stage.drop()
            return load_contacts(wanted)
    found = load_contacts(wanted)
    # Sorted by key, so concurrent batches take the unique-index locks in one order.
    missing = [ref for key, ref in sorted(wanted.items(), key=_sort_key) if key not in found]
    if missing:
        Contact.objects.bulk_create([_new_contact(ref) for ref in missing], ignore_conflicts=True)
        found = load_contacts(wanted)
    changed = []
    for key, contact in found.items():
        ref = wanted[key]
        dirty = False
        email = normalise_email(ref.email)
        if email and not contact.email:
            contact.email, dirty = email, True
        for name in PROFILE_FIELDS:
            value = getattr(ref, name)
            if value and not getattr(contact, name):
                setattr(contact, name, value)
                dirty = True
        if ref.metadata and not contact.metadata:
            contact.metadata, dirty = dict(ref.metadata), True
        if ref.company_confirmed is not None and ref.company_confirmed != contact.company_confirmed:
            contact.company_confirmed, dirty = ref.company_confirmed, True
        if _fill_reach(contact, ref, replace=False):
            dirty = True
        if dirty:
            changed.append(contact)
    if changed:
        changed.sort(key=lambda contact: contact.pk)  # lock order
        bulk_set(Contact, changed, ["email", "metadata", "company_confirmed", *PROFILE_FIELDS, *REACH_FIELDS])
    return found


def _sort_key(item) -> tuple[str, str]:
    (user_id, email), _ = item
    return (user_id or "", email)


def load_contacts(wanted) -> dict[tuple[str | None, str], Contact]:
    user_ids = [user for user, _ in wanted if user and not user.startswith(EXTERNAL)]
    external = [user[len(EXTERNAL):] for user, _ in wanted if user and user.startswith(EXTERNAL)]
    emails = [email for user, email in wanted if not user]
    query = Q(pk__in=[])
    if user_ids:
        query |= Q(saleor_user_id__in=user_ids)
    if external:
        query |= Q(saleor_user_id__isnull=True, external_key__in=external)
    if emails:
        query |= Q(saleor_user_id__isnull=True, external_key="", email__in=emails)
    result = {}
    for contact in Contact.objects.filter(query):
        if contact.saleor_user_id:
            key = (contact.saleor_user_id, "")
        elif contact.external_key:
            key = (EXTERNAL + contact.external_key, "")
        else:
            key = (None, contact.email)
        result[key] = contact
    return result


def upsert_customer(data: CustomerData) -> Contact | None:
    ref = data.customer
    return upsert_customers([data]).get(contact_lookup(ref) or (None, ""))


def upsert_customers(batch: Sequence[CustomerData]) -> dict[tuple[str | None, str], Contact]:
    """A customer event carries the user's current profile: it overrides order snapshots."""
    return upsert_customers_changed(batch)[0]


@transaction.atomic
def upsert_customers_changed(batch: Sequence[CustomerData]) -> tuple[dict[tuple[str | None, str], Contact], set[int]]:
    """upsert_customers, and the pks of the contacts whose stored profile changed."""
    erased = erased_among(data.customer for data in batch)
    live = [d for d in batch if not (erased and erased.intersection(identity_hashes(d.customer)))]
    contacts = upsert_contacts(d.customer for d in live)
    changed: dict[int, Contact] = {}
    for data in live:
        contact = contacts.get(contact_lookup(data.customer))
        if contact is not None and _apply_profile(contact, data):
            changed[contact.pk] = contact
    fields = ["email", "metadata", "company_confirmed", "registered_at", "marketing_consent", "consent_updated_at",
              "consent_source", *PROFILE_FIELDS, *REACH_FIELDS]
    try:
        with transaction.atomic():
            bulk_set(Contact, list(changed.values()), fields)
    except IntegrityError:
        # A user's new e-mail already names a guest contact: save one by one, keeping the old e-mail there.
        for contact in changed.values():
            try:
                with transaction.atomic():
                    contact.save(update_fields=fields)
            except IntegrityError:
                contact.email = Contact.objects.values_list("email", flat=True).get(pk=contact.pk)
                contact.save(update_fields=fields)
    if changed:  # a registration shows as a prospect at once (ingest/prospects.py)
        from .. import signals
        from .prospects import link_prospects

        linked = link_prospects(changed)
        if linked:
            signals.prospects_changed.send(sender=Contact, account_ids=linked)
    return contacts, set(changed)


def _apply_profile(contact: Contact, data: CustomerData) -> bool:
    ref = data.customer
    before = (contact.email, contact.metadata, contact.company_confirmed, contact.registered_at, contact.marketing_consent,
              contact.consent_source,
              *(getattr(contact, name) for name in (*PROFILE_FIELDS, *REACH_FIELDS)))
    contact.email = normalise_email(ref.email) or contact.email
    for name in PROFILE_FIELDS:
        if getattr(ref, name):
            setattr(contact, name, getattr(ref, name))
    contact.metadata = dict(ref.metadata)
    if ref.company_confirmed is not None:
        contact.company_confirmed = ref.company_confirmed
    if data.registered_at and not contact.registered_at:
        contact.registered_at = data.registered_at
    if data.marketing_consent is not None:
        state = ConsentState.GRANTED if data.marketing_consent else ConsentState.REVOKED
        at = data.consent_at or timezone.now()
        newer = contact.consent_updated_at is None or contact.consent_updated_at <= at  # the latest word wins
        if newer and (contact.marketing_consent, contact.consent_source) != (state, data.consent_source[:32] or
                                                                              contact.consent_source):
            contact.marketing_consent = state
            contact.consent_updated_at = at
            contact.consent_source = data.consent_source[:32] or contact.consent_source
    _fill_reach(contact, ref, replace=True)
    after = (contact.email, contact.metadata, contact.company_confirmed, contact.registered_at, contact.marketing_consent,
             contact.consent_source,
             *(getattr(contact, name) for name in (*PROFILE_FIELDS, *REACH_FIELDS)))
    return before != after


@transaction.atomic
def erase_customer(user_id: str | None, email: str | None) -> int:
    """Erase a buyer's personal data; keep anonymous aggregates (orders, amounts).

    Returns the number of contacts erased. Person-keyed accounts (user / e-mail)
    get an anonymous key and lose their name; company accounts are not personal
    and stay as they are. The raw payloads of the buyer's inbound events are
    scrubbed too (`payload_scrub`), in the same transaction.
    """
    email = normalise_email(email)
    user_id = str(user_id) if user_id else None
    if not (user_id or email):
        return 0
    ref = CustomerRef(user_id=user_id, email=email)
    for digest in identity_hashes(ref):
        ErasedIdentity.objects.get_or_create(identity_hash=digest)
    anonymous_key = anonymous_account_key(ref)
    person_accounts = Q(key_kind="user", key=user_id) if user_id else Q(pk__in=[])
    if email:
        person_accounts |= Q(key_kind="email", key=email)
    for account in Account.objects.filter(person_accounts):
        twin = Account.objects.filter(
            channel=account.channel, currency=account.currency, key_kind="email", key=anonymous_key
        ).first()
        if twin:  # the same person had a user and a guest account: fold them into one
            OrderLineFact.objects.filter(order__account=account).update(account_id=twin.pk)  # line_copies
            OrderFact.objects.filter(account=account).update(account=twin)
            AccountContact.objects.filter(account=account).delete()
            account.delete()
            continue
        account.key_kind, account.key = "email", anonymous_key
        account.display_name, account.erased = "", True
        account.save()
    query = Q(saleor_user_id=user_id) if user_id else Q(pk__in=[])
    if email:
        query |= Q(email=email)
    contacts = list(Contact.objects.filter(query))
    person = payload_scrub.Person(user_id=user_id, emails={email} if email else set())
    for contact in contacts:
        person.add_contact(contact)
    payload_scrub.scrub_events_of(person)
    for contact in contacts:
        OrderFact.objects.filter(contact=contact).update(raw={}, contact=None)
        CheckoutFact.objects.filter(contact=contact).update(email="", contact=None)
        contact.delete()
    if email:
        CheckoutFact.objects.filter(email=email).update(email="")
    return len(contacts)
