"""Schemathesis against the live test server: no server errors and every response as /api/schema/ says.

Three callers share one server and one data set: anonymous, a field worker
(Token) and an administrator (Token). Every operation is fuzzed with a fixed
seed and example budget; the observation operations, where bodies are parsed,
also get Schemathesis's coverage phase (boundary values: huge numbers, deep
or odd bodies). The whole file stays well under two minutes.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from .conftest import INSIDE_ALFA

ST = Path(sys.executable).with_name("st")
SEED = 7013
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"

needs_schemathesis = pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed (pip install -e .[test])")


def run_schemathesis(live_server, cwd, token=None, options=()):
    headers = ["-H", f"Authorization: Token {token}"] if token else []
    result = subprocess.run(
        [
            ST, "run", f"{live_server.url}/api/schema/?format=json", "--checks", CHECKS, "--seed", str(SEED),
            "--workers", "1", "--request-timeout", "60", "--no-shrink", *options, *headers,
        ],
        capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


@pytest.fixture
def observations(record):
    record(*INSIDE_ALFA)
    record(*INSIDE_ALFA, subject="object", phenomenon="ilkivalta")
    record(*INSIDE_ALFA, user="field_320")


@needs_schemathesis
def test_every_operation_for_anonymous_field_worker_and_administrator(live_server, users, observations, tmp_path):
    tokens = {"anonymous": None, **{who: Token.objects.create(user=users[who]).key for who in ("field_698", "admin")}}
    for token in tokens.values():
        run_schemathesis(live_server, tmp_path, token, ["--phases", "examples,fuzzing,stateful", "--max-examples", "6"])


@needs_schemathesis
def test_observation_operations_at_their_boundaries(live_server, users, observations, tmp_path):
    token = Token.objects.create(user=users["field_698"]).key
    run_schemathesis(live_server, tmp_path, token, [
        "--phases", "coverage", "--include-operation-id", "observations_create",
        "--include-operation-id", "observations_partial_update", "--include-operation-id", "observations_list",
    ])


def test_schema_is_valid_openapi_without_generator_warnings(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
