"""The public chat API and the staff console through the real running product (HTTP)."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime

import httpx
import pytest

from tests.chat_turns import ask
from tests.conftest import add_staff_user

pytestmark = pytest.mark.model
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)


@pytest.fixture(scope="module")
def accounts(stack):
    for name, role in (("erika", "staff"), ("eddi", "editor"), ("ada", "admin"), ("lotte", "staff")):
        add_staff_user(stack, name, name.capitalize(), f"{name}-geheim-123", role)


def start(api) -> str:
    response = api.post("/api/chat/conversations")
    assert response.status_code == 201
    return response.json()["conversation_id"]


def say(api, cid: str, text: str, label: str | None = None) -> dict:
    """Send a message; the citizen's message and the replies of that turn."""
    turn = ask(api, cid, text, label)
    assert turn.status_code == 200, turn.body
    return turn.body


def login(stack, username: str, password: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=stack.app_url, timeout=30, follow_redirects=False)
    page = client.get("/staff/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = client.post("/staff/login", data={"csrf": csrf, "username": username,
                                                 "password": password or f"{username}-geheim-123"})
    client.last_login = response  # type: ignore[attr-defined]
    return client


def csrf_of(client: httpx.Client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def read_events(client: httpx.Client, path: str, want: int, last_event_id: int | None = None) -> list[dict]:
    """Read ``want`` message events from an SSE stream (with a safety timeout)."""
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    events: list[dict] = []
    with client.stream("GET", path, headers=headers, timeout=httpx.Timeout(20, read=20)) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        current: dict = {}
        for line in response.iter_lines():
            if line.startswith("event:"):
                current["event"] = line[6:].strip()
            elif line.startswith("id:"):
                current["id"] = int(line[3:])
            elif line.startswith("data:"):
                current["data"] = json.loads(line[5:])
            elif line == "" and current:
                if current.get("event") == "message":
                    events.append(current)
                    if len(events) >= want:
                        return events
                current = {}
    return events


def test_answer_history_feedback_delete(api):
    cid = start(api)
    reply = say(api, cid, "Was kostet ein Reisepass?")
    question, answer = reply["messages"]
    assert (question["seq"], question["sender"], question["text"]) == (1, "citizen", "Was kostet ein Reisepass?")
    assert reply["status"] == "bot" and answer["sender"] == "bot" and answer["kind"] == "answer"
    assert answer["sources"][0]["url"] == "https://www.musterstadt.example/buergerservice/reisepass"
    history = api.get(f"/api/chat/conversations/{cid}/messages").json()["messages"]
    assert [m["sender"] for m in history] == ["citizen", "bot"] and history[1]["seq"] == answer["seq"] == 2
    assert api.post(f"/api/chat/conversations/{cid}/messages/2/feedback", json={"helpful": False, "text": "zu kurz"}).status_code == 204
    assert api.post(f"/api/chat/conversations/{cid}/messages/1/feedback", json={"helpful": True}).status_code == 404
    assert api.delete(f"/api/chat/conversations/{cid}").status_code == 204
    gone = api.get(f"/api/chat/conversations/{cid}/messages")
    assert gone.status_code == 404 and "gibt es nicht" in gone.json()["detail"]


def test_which_office_buttons_and_the_clicked_label_in_the_history(api, clock):
    clock(WEDNESDAY_10)
    cid = start(api)
    asked = say(api, cid, "Wann hat das Bürgerbüro offen?")
    buttons = asked["messages"][1]["buttons"]
    assert [b["title"] for b in buttons] == ["Bürgerbüro Mitte", "Bürgerbüro Nord"]
    chosen = say(api, cid, buttons[1]["payload"], buttons[1]["title"])["messages"]
    assert chosen[0]["text"] == "Bürgerbüro Nord" and chosen[1]["text"].startswith("**Bürgerbüro Nord**")


def _requests_to(api, route: str) -> float:
    pattern = rf'kommunalbot_http_requests_total\{{method="POST",route="{re.escape(route)}",status="\d+"\}} ([0-9.]+)'
    return sum(float(n) for n in re.findall(pattern, api.get("/metrics").text))


def test_a_turn_makes_one_call_to_rasa_and_one_back(stack, api, monkeypatch):
    """Three inter-process calls per citizen message: app -> Rasa, Rasa -> action, the reply.
    No embedding call back (the vector travels in the metadata), no tracker GET."""
    rasa = stack.app_server.app.state.rasa
    calls: list[str] = []
    request = rasa._request
    monkeypatch.setattr(rasa, "_request", lambda method, path, **kw: calls.append(f"{method} {path}") or request(method, path, **kw))
    cid = start(api)
    before = {route: _requests_to(api, route) for route in ("/webhook", "/internal/nlu-embeddings")}
    assert api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Was kostet ein Reisepass?"}).status_code == 200
    after = {route: _requests_to(api, route) for route in before}
    assert calls == ["POST /webhooks/kommunalbot/webhook"]
    assert after["/webhook"] - before["/webhook"] == 1
    assert after["/internal/nlu-embeddings"] == before["/internal/nlu-embeddings"]
    answer = api.get(f"/api/chat/conversations/{cid}/messages").json()["messages"][1]
    assert answer["kind"] == "answer" and answer["service_ids"] == ["reisepass-beantragen"]


def test_rasas_turn_channel_only_answers_the_chat_service(stack):
    body = {"sender": "x", "message": "Hallo", "metadata": {}}
    url = f"{stack.settings.rasa_url}/webhooks/kommunalbot/webhook"
    assert httpx.post(url, json=body).status_code == 403
    assert httpx.post(url, json=body, headers={"X-Internal-Token": "geraten"}).status_code == 403


def test_limits_and_bad_input_get_german_errors(api):
    cid = start(api)
    too_long = api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "x" * 1001})
    assert too_long.status_code == 422 and "zu lang (höchstens 1000 Zeichen)" in too_long.json()["detail"]
    extra = api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "hi", "admin": True})
    assert extra.status_code == 422 and "Unbekanntes Feld" in extra.json()["detail"]
    assert api.post("/api/chat/conversations/gibtsnicht/messages", json={"text": "hi"}).status_code == 404
    codes = [api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Hallo"}).status_code for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429  # 20 per minute and conversation
    limited = api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Hallo"})
    assert "Zu viele Nachrichten" in limited.json()["detail"] and limited.headers["Retry-After"] == "30"


def test_events_resume_without_loss_or_duplicates(api):
    cid = start(api)
    api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Hallo"})
    api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Was kostet ein Reisepass?"})
    first = read_events(api, f"/api/chat/conversations/{cid}/events", want=2)
    assert [e["id"] for e in first] == [1, 2]
    resumed = read_events(api, f"/api/chat/conversations/{cid}/events", want=2, last_event_id=2)
    assert [e["id"] for e in resumed] == [3, 4] and resumed[1]["data"]["kind"] == "answer"


def test_openapi_health_headers_cors(api):
    spec = api.get("/openapi.json").json()
    assert "/api/chat/conversations/{conversation_id}/messages" in spec["paths"]
    assert not any(p.startswith(("/staff", "/webhook", "/internal")) for p in spec["paths"])
    health = api.get("/health").json()
    assert health["status"] == "ok" and health["database"]["backend"] == "sqlite"
    assert health["rasa"]["status"] == "ok" and health["index"]["documents"] == 84
    response = api.get("/health", headers={"Origin": "https://www.musterstadt.example"})
    assert response.headers["access-control-allow-origin"] == "https://www.musterstadt.example"
    assert "access-control-allow-origin" not in api.get("/health", headers={"Origin": "https://evil.example"}).headers
    for header in ("x-content-type-options", "referrer-policy", "permissions-policy"):
        assert header in response.headers
    login_page = api.get("/staff/")
    assert "frame-ancestors 'none'" in login_page.headers["content-security-policy"]


def test_staff_areas_need_login_and_roles(stack, api, accounts):
    assert api.get("/staff/queue/waiting").status_code == 303
    assert api.get("/staff/users").headers["location"] == "/staff/"
    assert api.get("/staff/conversations/x/events").status_code == 401
    erika = login(stack, "erika")
    assert erika.get("/staff/users").status_code == 403
    assert erika.get("/staff/kb").status_code == 403
    eddi = login(stack, "eddi")
    assert eddi.get("/staff/queue/waiting").status_code == 403
    assert eddi.get("/staff/kb").status_code == 200


def test_login_failures_csrf_and_lockout(stack, accounts):
    wrong = login(stack, "lotte", "falsch-falsch")
    assert wrong.last_login.status_code == 200 and "Benutzername oder Passwort ist falsch" in wrong.last_login.text
    no_csrf = httpx.Client(base_url=stack.app_url).post("/staff/login", data={"username": "lotte", "password": "x"})
    assert no_csrf.status_code == 403
    for _ in range(4):
        login(stack, "lotte", "falsch-falsch")
    locked = login(stack, "lotte")  # right password, but locked after 5 failures
    assert "vorübergehend gesperrt" in locked.last_login.text
    assert login(stack, "erika").last_login.status_code == 303


def test_full_handoff_flow(stack, api, accounts, clock):
    clock(WEDNESDAY_10)
    cid = start(api)
    asked = say(api, cid, "Ich möchte mit einem Menschen sprechen")
    assert asked["status"] == "waiting" and asked["messages"][1]["kind"] == "handoff"

    staff = login(stack, "erika")
    assert cid in staff.get("/staff/queue/waiting").text
    csrf = csrf_of(staff, f"/staff/conversations/{cid}")
    assert staff.post(f"/staff/conversations/{cid}/take", data={"csrf": "falsch"}).status_code == 403
    assert staff.post(f"/staff/conversations/{cid}/take", data={"csrf": csrf}).status_code == 303
    assert cid in staff.get("/staff/queue/mine").text

    # the citizen is listening while staff write
    received: list[dict] = []
    listener = threading.Thread(target=lambda: received.extend(
        read_events(httpx.Client(base_url=stack.app_url), f"/api/chat/conversations/{cid}/events", want=3,
                    last_event_id=2)))
    listener.start()
    routed = say(api, cid, "Mein Antrag hängt seit Wochen")
    assert [m["sender"] for m in routed["messages"]] == ["citizen"] and routed["status"] == "staff"  # no bot reply
    assert staff.post(f"/staff/conversations/{cid}/reply", data={"csrf": csrf, "text": "Ich schaue nach."}).status_code == 303
    listener.join(timeout=30)
    assert [(e["id"], e["data"]["sender"], e["data"]["kind"]) for e in received] == [
        (3, "system", "staff_joined"), (4, "citizen", None), (5, "staff", "staff")]
    assert received[2]["data"]["text"] == "Ich schaue nach."  # the citizen receives the staff reply live
    transcript = staff.get(f"/staff/conversations/{cid}").text
    assert "Mein Antrag hängt seit Wochen" in transcript and "Ich schaue nach." in transcript
    history = api.get(f"/api/chat/conversations/{cid}/messages", params={"after": 2}).json()["messages"]
    assert [(m["sender"], m["text"]) for m in history][-1] == ("staff", "Ich schaue nach.")

    assert staff.post(f"/staff/conversations/{cid}/hand-back", data={"csrf": csrf}).status_code == 303
    again = say(api, cid, "Was kostet ein Reisepass?")
    assert again["status"] == "bot" and again["messages"][-1]["kind"] == "answer"


def test_close_with_reason_and_callbacks_queue(stack, api, accounts, clock):
    clock(datetime(2026, 11, 29, 11, 0))  # Sunday: out of hours
    cid = start(api)
    api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Bitte verbinden Sie mich mit einem Mitarbeiter"})
    done = say(api, cid, "0151 23456789")
    assert done["messages"][0]["text"] == "[Kontaktangabe für Rückruf]"
    assert "Wir melden uns" in done["messages"][1]["text"]
    history = api.get(f"/api/chat/conversations/{cid}/messages").json()["messages"]
    assert "23456789" not in json.dumps(history, ensure_ascii=False)  # stored apart, not in the transcript
    staff = login(stack, "erika")
    assert cid in staff.get("/staff/queue/callbacks").text
    page = staff.get(f"/staff/conversations/{cid}").text
    assert "+4915123456789" in page
    csrf = csrf_of(staff, f"/staff/conversations/{cid}")
    assert staff.post(f"/staff/conversations/{cid}/close", data={"csrf": csrf, "reason": "rueckruf"}).status_code == 303
    assert "+4915123456789" not in staff.get(f"/staff/conversations/{cid}").text
    assert cid in staff.get("/staff/queue/closed").text


def test_admin_manages_users_and_editor_sees_open_questions(stack, api, accounts):
    ada = login(stack, "ada")
    csrf = csrf_of(ada, "/staff/users")
    short = ada.post("/staff/users", data={"csrf": csrf, "username": "neu", "display_name": "Neu", "password": "kurz",
                                           "role": "staff"})
    assert "mindestens 10 Zeichen" in short.text
    created = ada.post("/staff/users", data={"csrf": csrf, "username": "neu", "display_name": "Neu",
                                             "password": "lang-genug-123", "role": "staff"})
    assert "Konto „neu“ angelegt" in created.text
    assert login(stack, "neu", "lang-genug-123").last_login.status_code == 303

    cid = start(api)
    api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Wie beantrage ich einen Jagdschein?"})
    eddi = login(stack, "eddi")
    kb = eddi.get("/staff/kb").text
    assert 'href="/staff/gaps"' in kb and "<dd>84</dd>" in kb
    assert eddi.post("/staff/kb/reindex", data={"csrf": csrf_of(eddi, "/staff/kb")}).status_code == 303
    # The build runs as its own process (`kommunalbot kb build`) into the index the service reads.
    deadline = time.monotonic() + 180
    while "Neuaufbau läuft" in (page := eddi.get("/staff/kb").text) and time.monotonic() < deadline:
        time.sleep(1)
    result = re.search(r'<p class="ok" role="status">(Index [^<]+)</p>', page)
    assert result and "84 Dokumente" in result.group(1) and "0 neu eingebettet" in result.group(1), page[-2000:]
    built = result.group(1).split()[1].rstrip(":")
    deadline = time.monotonic() + 30
    while httpx.get(f"{stack.app_url}/health").json()["index"]["build"] != built and time.monotonic() < deadline:
        time.sleep(0.5)
    assert httpx.get(f"{stack.app_url}/health").json()["index"]["build"] == built  # the service picked it up


def test_metrics_and_logs_without_personal_data(api, caplog):
    caplog.set_level("DEBUG")
    cid = start(api)
    api.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Ich heiße Berta Beispiel, was kostet ein Reisepass?"})
    metrics = api.get("/metrics").text
    assert re.search(r'kommunalbot_turns_total\{outcome="answer"\} [1-9]', metrics)
    assert 'kommunalbot_http_requests_total{method="POST",route="/api/chat/conversations/{conversation_id}/messages",status="200"}' in metrics
    assert "kommunalbot_turn_seconds_bucket" in metrics and "kommunalbot_handoffs_total" in metrics
    assert "Berta" not in metrics
    assert not [r for r in caplog.records if "Berta" in r.getMessage()]


def test_json_log_lines(capsys):
    import logging

    from bot.logging_config import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(json_logs=True)
        logging.getLogger("kommunalbot.test").warning("Index %s geladen", "abc")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["level"] == "WARNING" and record["message"] == "Index abc geladen" and "time" in record
    finally:
        root.handlers[:], root.level = saved[0], saved[1]


def test_new_conversations_are_limited_per_client_not_globally(stack):
    from bot.chat.router import RateLimits

    limits = RateLimits(stack.settings.model_copy(update={"rate_limit_client": "3/minute", "rate_limit_conversation": "2/minute"}))
    for client in ("10.0.0.1", "10.0.0.2"):
        for _ in range(3):
            limits.check(None, client)  # starting conversations: only the client's own budget counts
    with pytest.raises(Exception, match="429"):
        limits.check(None, "10.0.0.1")
    limits.check("c1", "10.0.0.3")
    limits.check("c1", "10.0.0.4")
    with pytest.raises(Exception, match="429"):
        limits.check("c1", "10.0.0.5")
