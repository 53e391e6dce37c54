"""Schemathesis hooks for tests/test_api_fuzz.py (loaded in .venv-fuzz via SCHEMATHESIS_HOOKS):
our JSONString scalar as JSON objects, both well-formed settings-like documents and junk."""

import json

import graphql
import schemathesis
from hypothesis import strategies as st

_values = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=40))
_documents = st.dictionaries(st.one_of(st.sampled_from(["sender_name", "dormant_after_days", "timezone",
                                                         "channel_overrides", "api_key"]), st.text(max_size=12)),
                             _values, max_size=4)
schemathesis.graphql.scalar("JSONString", st.one_of(_documents.map(json.dumps), st.text(max_size=30)).map(
    lambda text: graphql.StringValueNode(value=text)))
