"""Schema fuzzing with schemathesis against our own OpenAPI document: no 5xx over thousands of
generated requests, valid and invalid, signed in as a user with some data around.

Every operation gets the same number of examples (positive and negative generation); the
long-lived streaming endpoints are left out (an event stream never ends, so it cannot be
"answered"); ``tests/platform_api/test_streaming.py`` covers them. Hypothesis runs derandomised,
so a failure reproduces, and its message carries the curl command of the failing request."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from agora.settings import get_settings, reset_settings_cache
from api_people import sign_up

EXAMPLES_PER_OPERATION = 16   # x 2 modes x ~90 operations (fewer where Hypothesis runs out): > 2,000 requests
STREAMS = "/api/v1/streaming/"


def signed_in(client) -> dict:
    _, headers = sign_up(client, "fuzzer")
    for text in ("hello #fuzz", "a reply target", "@fuzzer mention"):
        client.post("/api/v1/statuses", headers=headers, data={"status": text})
    return headers


@pytest.mark.slow
def test_no_server_error_over_generated_requests(agora_home, monkeypatch):
    monkeypatch.setenv("AGORA_RATE_LIMIT_REQUESTS", "1000000")
    reset_settings_cache()
    from platform_api.main import create_app

    app = create_app(get_settings())
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        auth = signed_in(client)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if not op.path.startswith(STREAMS)]
    assert len(operations) >= 80

    sent: list[int] = []
    server_errors: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case) -> None:
                try:
                    response = case.call(headers=auth)
                except Exception as exc:  # noqa: BLE001 - the app raised: a 500 to the client
                    sent.append(500)
                    server_errors.append(f"{exc!r} {case.as_curl_command(headers=auth)}")
                    return
                sent.append(response.status_code)
                if response.status_code >= 500:
                    server_errors.append(f"{response.status_code} {case.as_curl_command(headers=auth)}\n"
                                         f"{response.text[:300]}")

            try:
                exercise()
            except Unsatisfiable:
                # An operation without parameters or body has no invalid request to generate.
                assert mode is GenerationMode.NEGATIVE, operation.label

    assert not server_errors, f"{len(server_errors)} server errors, first ones:\n" + "\n".join(server_errors[:5])
    assert len(sent) >= 2000, f"only {len(sent)} requests generated"
