"""Security checks against the running product: API fuzzing, staff areas, limits, headers."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.model


def test_fuzzing_the_public_api_never_gives_5xx(stack):
    """Every operation of /openapi.json with generated (also hostile) input: no 500s.

    (schemathesis' own pytest plugin does not run under this pytest; the same checks run here.)
    """
    schema = schemathesis.openapi.from_url(f"{stack.app_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:
            case.call_and_validate(checks=[not_a_server_error], timeout=60)

        run()


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/staff/queue/waiting"), ("GET", "/staff/queue/open"), ("GET", "/staff/users"), ("GET", "/staff/kb"),
    ("POST", "/staff/kb/reindex"), ("POST", "/staff/users"), ("GET", "/staff/conversations/x"),
    ("POST", "/staff/conversations/x/reply"), ("GET", "/staff/conversations/x/events"),
])
def test_staff_endpoints_refuse_without_session(stack, method, path):
    response = httpx.request(method, f"{stack.app_url}{path}", follow_redirects=False, timeout=30)
    assert response.status_code in (303, 401, 403)
    if response.status_code == 303:
        assert response.headers["location"] == "/staff/"


def test_internal_endpoints_need_the_token(stack):
    assert httpx.post(f"{stack.app_url}/internal/nlu-embeddings", json={"texts": ["x"]}).status_code == 403
    assert httpx.post(f"{stack.app_url}/internal/nlu-embeddings", json={"texts": ["x"]},
                      headers={"X-Internal-Token": "geraten"}).status_code == 403
