"""Erasure of a buyer's personal data from the inbound-event log's raw payloads.

The log keeps each source's payload (REST/CSV/demo facts, Saleor's deletion payload, later App
webhook bodies), and those carry e-mails, names, phones and addresses. On erasure, every event of
that buyer — found by its Saleor user reference, a ``user_id`` in its payload, the e-mail anywhere
in its text, or an exact LINE id / external key — is rewritten in place: values under personal
keys are blanked (whatever the source's spelling: ``first_name``, ``firstName``, ``userEmail``,
``billingAddress`` … — an address keeps only its company, department and country), strings equal to one of the buyer's known values are blanked, and the
e-mail, the phone and the full name are cut out of free text. Ids, amounts, lines, dates, the
company name and the event's kind and status stay, so the log still tells what happened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from ..models import Contact, InboundEvent

# Keys compared lower-case without "_" / "-", so snake_case and Saleor's camelCase both match.
PERSONAL_KEYS = frozenset({
    "email", "useremail", "customeremail", "firstname", "lastname", "fullname", "phone", "phonenumber", "tel",
    "address", "billingaddress", "shippingaddress", "defaultbillingaddress", "defaultshippingaddress",
    "streetaddress1", "streetaddress2", "postalcode", "city", "cityarea", "countryarea", "birthday",
    "dateofbirth", "lineuserid", "customernote", "note",
})
# Parts of an address that name the buying company, not the person: an account's key may rest on them.
COMPANY_PARTS = frozenset({"company", "companyname", "department", "country", "countrycode"})
IN_TEXT = "[erased]"
_EMAIL_EDGE = r"[A-Za-z0-9._%+-]"
_SPACE = r"[\s\u3000]*"


def _key(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _blank(value):
    if isinstance(value, str):
        return ""
    if isinstance(value, dict):  # an address: keep the company's parts
        return {key: item if _key(key) in COMPANY_PARTS else _blank(item) for key, item in value.items()}
    if isinstance(value, list):
        return []
    return None


def _squash(text: str) -> str:
    return re.sub(r"[\s\u3000]+", " ", text.strip()).lower()


def _phone_pattern(phone: str) -> str | None:
    """An E.164 number (or local digits) as it may be written: +81 3-1234-5678, 03(1234)5678 …"""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return None
    forms = {digits}
    if phone.strip().startswith("+") and digits.startswith("81"):
        forms.add("0" + digits[2:])  # the Japanese national form
    between = r"[\s\u3000().-]*"
    return "|".join(r"\+?" + between.join(form) if form == digits else between.join(form) for form in forms)


@dataclass
class Person:
    """What identifies the erased buyer, and the values to blank from their events."""

    user_id: str | None
    emails: set[str] = field(default_factory=set)
    exact_keys: set[str] = field(default_factory=set)  # LINE ids, external keys: whole values only
    values: set[str] = field(default_factory=set)  # names, phones, address lines: blanked when whole
    names: set[tuple[str, str]] = field(default_factory=set)  # (last, first): cut out of text
    phones: set[str] = field(default_factory=set)

    def add_contact(self, contact: Contact) -> None:
        if contact.email:
            self.emails.add(contact.email.lower())
        for key in (contact.line_user_id, contact.external_key):
            if key:
                self.exact_keys.add(key)
        if contact.phone:
            self.phones.add(contact.phone)
        if contact.first_name and contact.last_name:
            self.names.add((contact.last_name, contact.first_name))
        self.values.update(v for v in (
            contact.first_name, contact.last_name, contact.phone, contact.line_user_id, contact.address_person,
            contact.address_line1, contact.address_line2, contact.address_postal_code,
            contact.birthday.isoformat() if contact.birthday else "") if v)

    def text_pattern(self) -> re.Pattern | None:
        parts = [_email_pattern(e).pattern for e in self.emails]
        parts += [p for p in map(_phone_pattern, self.phones) if p]
        for last, first in self.names:
            parts += [re.escape(last) + _SPACE + re.escape(first), re.escape(first) + _SPACE + re.escape(last)]
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None


def scrub_events_of(person: Person) -> int:
    """Rewrite the payloads of the buyer's events; returns how many were changed."""
    candidates = _candidates(person)
    belonging = [e for e in candidates if _belongs(e, person)]
    for event in belonging:  # values the source kept under personal keys join the known ones
        _collect(event.payload, person)
    pattern = person.text_pattern()
    whole = {_squash(v) for v in person.values | person.emails if v.strip()}
    changed = []
    for event in belonging:
        scrubbed = _scrub(event.payload, whole, pattern)
        if scrubbed != event.payload:
            event.payload = scrubbed
            changed.append(event)
    InboundEvent.objects.bulk_update(changed, ["payload"], batch_size=500)
    return len(changed)


def _candidates(person: Person) -> Iterable[InboundEvent]:
    query = Q(pk__in=[])
    if person.user_id:
        query |= (Q(object_ref=f"user:{person.user_id}") | Q(payload__user_id=person.user_id)
                  | Q(payload__customer__user_id=person.user_id))
    for text in person.emails | person.exact_keys:
        query |= Q(payload_text__icontains=text)
    return InboundEvent.objects.annotate(payload_text=Cast("payload", TextField())).filter(query).iterator()


def _strings(value) -> Iterable[tuple[str | None, object]]:
    """Every (key, value) pair under dicts, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield None, item
            yield from _strings(item)


def _belongs(event: InboundEvent, person: Person) -> bool:
    """Re-checks the database's text match: exact keys whole, e-mails not inside a longer address."""
    if person.user_id and event.object_ref == f"user:{person.user_id}":
        return True
    emails = [_email_pattern(e) for e in person.emails]
    for key, value in _strings(event.payload):
        if not isinstance(value, str):
            continue
        if key is not None and _key(key) == "userid" and person.user_id and value == person.user_id:
            return True
        if value in person.exact_keys or any(e.search(value) for e in emails):
            return True
    return False


def _email_pattern(email: str) -> re.Pattern:
    """The address, not inside a longer one (p@x.example is not in ap@x.example)."""
    return re.compile(rf"(?<!{_EMAIL_EDGE}){re.escape(email)}(?!{_EMAIL_EDGE})", re.IGNORECASE)


def _collect(payload, person: Person) -> None:
    for key, value in _strings(payload):
        if key is None or _key(key) not in PERSONAL_KEYS:
            continue
        if isinstance(value, str) and value.strip():
            person.values.add(value)
        elif isinstance(value, dict):
            # Address parts; two-letter ones are country codes, not personal, and too common to blank.
            person.values.update(v for k, v in value.items()
                                 if _key(k) not in COMPANY_PARTS and isinstance(v, str) and len(v.strip()) >= 3)


def _scrub(value, whole: set[str], pattern: re.Pattern | None):
    if isinstance(value, dict):
        return {key: _blank(item) if _key(key) in PERSONAL_KEYS else _scrub(item, whole, pattern)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, whole, pattern) for item in value]
    if isinstance(value, str):
        if _squash(value) in whole:
            return ""
        return pattern.sub(IN_TEXT, value) if pattern else value
    return value
