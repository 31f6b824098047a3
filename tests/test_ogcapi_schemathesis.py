"""Schemathesis against /ogcapi/openapi.json on the live test server: no server errors,
and every status, media type, header and body as the document says.

Not checked: negative_data_rejection. OGC API - Features requires a `limit` above the
advertised maximum to be served at the maximum, not refused, while the document keeps
`maximum` because clients read their page size from it.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from .test_layers_fixtures import layer_scenario  # noqa: F401

ST = Path(sys.executable).with_name("st")
SEED = 7013
CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,"
    "content_type_conformance,response_headers_conformance"
)

pytestmark = pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed")


def run_schemathesis(live_server, cwd, options, token=None):
    headers = ["-H", f"Authorization: Token {token}"] if token else []
    result = subprocess.run(
        [
            ST, "run", f"{live_server.url}/ogcapi/openapi.json", "--checks", CHECKS, "--seed", str(SEED),
            "--workers", "1", "--request-timeout", "60", "--no-shrink", *options, *headers,
        ],
        capture_output=True, text=True, cwd=cwd, timeout=400,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


def test_every_operation_for_anonymous_and_administrator(live_server, layer_scenario, tmp_path):
    admin_token = Token.objects.create(user=layer_scenario["users"]["admin"]).key
    for token in (None, admin_token):
        run_schemathesis(live_server, tmp_path, ["--phases", "examples,fuzzing,stateful", "--max-examples", "5"], token)


def test_observation_items_at_their_boundaries(live_server, layer_scenario, tmp_path):
    """Boundary values of every items parameter (huge limits, dates at the ends of time, odd boxes)."""
    run_schemathesis(live_server, tmp_path, [
        "--phases", "coverage", "--include-operation-id", "getFeatures-observations",
        "--include-operation-id", "getFeature-observations",
    ])
