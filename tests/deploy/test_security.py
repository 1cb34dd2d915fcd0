"""Security checks against the running product: API fuzzing, staff areas, limits, headers."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.chat_turns import ask

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
    assert httpx.post(f"{stack.app_url}/webhook", json={"next_action": "action_handoff"}).status_code == 403
    # Rasa's HTTP API (trackers, model, events) needs the token too; its REST channel stays internal.
    rasa = stack.settings.rasa_url
    assert httpx.get(f"{rasa}/conversations/x/tracker").status_code == 401
    assert httpx.get(f"{rasa}/conversations/x/tracker", params={"token": stack.settings.internal_token}).status_code == 200
    assert httpx.post(f"{stack.app_url}/internal/nlu-embeddings", json={"texts": ["x"]}).status_code == 403
    assert httpx.post(f"{stack.app_url}/internal/nlu-embeddings", json={"texts": ["x"]},
                      headers={"X-Internal-Token": "geraten"}).status_code == 403
    assert httpx.post(f"{stack.app_url}/internal/nlu-embeddings", json={"texts": ["x"]},
                      headers={"X-Internal-Token": "gerätselt".encode()}).status_code == 403  # not ASCII: no 500


def test_waiting_citizens_never_starve_rasa_callbacks(stack):
    """With every worker thread held by citizens waiting for Rasa, Rasa's callbacks (embeddings,
    actions) still run: they have their own threads. On a shared pool this turn deadlocked until
    Rasa's timeout and the citizen got the apology (found by the load test)."""
    import asyncio

    import anyio.to_thread

    loop = stack.app_server.server.servers[0].get_loop()

    async def worker_threads(tokens: int) -> int:
        limiter = anyio.to_thread.current_default_thread_limiter()
        previous, limiter.total_tokens = limiter.total_tokens, tokens
        return previous

    previous = asyncio.run_coroutine_threadsafe(worker_threads(1), loop).result(10)
    try:
        api = f"{stack.app_url}/api/chat/conversations"
        conversation = httpx.post(api, timeout=30).json()["conversation_id"]
        reply = ask(stack.app_url, conversation, "Was kostet ein Reisepass?")
        kinds = [m["kind"] for m in reply.json()["messages"] if m["sender"] == "bot"]
        assert kinds and "error" not in kinds and kinds[0] == "answer"
    finally:
        asyncio.run_coroutine_threadsafe(worker_threads(previous), loop).result(10)
