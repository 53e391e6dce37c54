"""Schemathesis against the live APIs: the REST API from its OpenAPI document (every check),
and generated GraphQL queries and mutations for every field, as staff (an API key with every
scope) and as a customer. No response may be a server error (5xx, or an `errors` entry from a
failed resolver), break its schema, or accept data its schema rejects.

Schemathesis needs graphql-core 3, which cannot share .venv with graphene 2: it runs from
.venv-fuzz (bin/fuzz-venv builds it; bin/test calls that first). Left out, on purpose: the
`positive_data_acceptance` check for GraphQL — its types cannot state our bounds (first ≤ 100,
months 1–120, …), so an in-type value we refuse with BAD_USER_INPUT is not a defect, and
graphql-core 2 (Saleor's stack) has no `null` literal, only null variables.
"""

import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.demo.loader import load_shop
from saleor_ltv_plugin.demo.synthetic import generate_shop
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import AccountContact

from .conftest import NOW

GRAPHQL = "/plugins/global/saleor.ltv/graphql/"
OPENAPI = "/plugins/global/saleor.ltv/api/v1/openapi.json"

ST = Path(os.environ.get("LTV_SCHEMATHESIS", Path(__file__).resolve().parents[1] / ".venv-fuzz" / "bin" / "st"))
CUSTOMER_ONLY = r"^Query\.my|^Mutation\.ltvLineAccountLinkStart"  # a staff key is refused these, by design


def _python_version(venv_bin: Path) -> tuple[int, ...]:
    """The fuzz venv's CPython (major, minor); (0, 0) when it is not there."""
    python = venv_bin / "python"
    if not python.exists():
        return (0, 0)
    out = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:2])"],
                         capture_output=True, text=True).stdout
    return tuple(int(part) for part in out.split()) or (0, 0)


FUZZ_PYTHON = _python_version(ST.parent)
EXAMPLES = 5  # per GraphQL field; the coverage phase adds its boundary cases (hundreds) to these


def run_schemathesis(url: str, token: str, *extra: str, examples: int = EXAMPLES, workers: int = 2) -> tuple[int, str, int]:
    assert ST.exists(), f"{ST} is missing: run bin/fuzz-venv"
    command = [str(ST), "run", url, "-H", f"Authorization: Bearer {token}", "--max-examples", str(examples),
               "--checks", "all", "--seed", "20261123", *extra,
               "--workers", str(workers),  # one generates cases while the other waits on the server
               "--request-timeout", "60"]  # a recompute runs inside its request here (eager Celery)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(Path(__file__).with_name("fuzz_hooks.py"))}  # JSONString
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tempfile.gettempdir(), env=env)
    generated = re.search(r"(\d+) generated", done.stdout)
    return done.returncode, done.stdout[-6000:] + done.stderr[-2000:], int(generated.group(1)) if generated else 0


@pytest.mark.slow
def test_generated_requests_never_fail_on_the_server(live_server, transactional_db, as_customer):
    load_shop(generate_shop(n_companies=40, seed=5))
    recompute(now=NOW)
    link = AccountContact.objects.select_related("contact").first()
    link.contact.saleor_user_id = "4242"
    link.contact.save(update_fields=["saleor_user_id"])
    staff_key, _ = auth.new_api_key("fuzz", sorted(auth.ALL_SCOPES))
    url = live_server.url + GRAPHQL
    no_positive = ("--exclude-checks", "positive_data_acceptance")

    code, output, staff_cases = run_schemathesis(url, staff_key, *no_positive, "--exclude-name-regex", CUSTOMER_ONLY)
    assert code == 0, output
    code, output, customer_cases = run_schemathesis(
        url, as_customer("4242"), *no_positive, "--include-name-regex", CUSTOMER_ONLY + r"|^Mutation\.trackProductView")
    assert code == 0, output
    assert staff_cases + customer_cases >= 300, (staff_cases, customer_cases)

    # Two workers need .venv-fuzz on CPython >= 3.12 (bin/fuzz-venv): 3.11's ast trips when hypothesis
    # builds the OpenAPI strategies in two threads (SystemError "AST constructor recursion depth mismatch").
    code, output, rest_cases = run_schemathesis(live_server.url + OPENAPI, staff_key, *no_positive, examples=3,
                                                workers=2 if FUZZ_PYTHON >= (3, 12) else 1)
    assert code == 0, output
    assert rest_cases >= 300, rest_cases
    print(f"schemathesis cases: GraphQL staff {staff_cases}, customer {customer_cases}; REST {rest_cases}")
