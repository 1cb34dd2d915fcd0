"""/staff/dashboard and /staff/gaps in the running product: roles, figures, CSV, handled marks."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.bot.test_chat_api import csrf_of, login
from tests.conftest import add_staff_user

pytestmark = pytest.mark.model


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_staff_without_the_editor_role_are_refused(stack, stack_history):
    add_staff_user(stack, "sachbearbeiter", "Sam", "sachbearbeiter-geheim-123")
    staff = login(stack, "sachbearbeiter")
    for path in ("/staff/dashboard", "/staff/gaps", "/staff/dashboard/nutzung.csv", "/staff/gaps.csv"):
        assert staff.get(path).status_code == 403, path
    anonymous = login(stack, "niemand", "falsch-falsch-123")
    assert anonymous.get("/staff/dashboard").status_code == 303  # to the login form
    assert "Dashboard" not in staff.get("/staff/queue/waiting").text  # not offered in the navigation


def test_dashboard_shows_the_figures_with_tables_and_csv(stack, stack_history):
    editor = login(stack, "rita")
    page = editor.get("/staff/dashboard", params={"from": "2026-11-02", "to": "2026-11-03"})
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page"' in html and "<svg" in html and 'role="img"' in html
    assert re.search(r"<dt>Gespräche</dt><dd>5</dd>", html)
    assert "direkt beantwortet" in html and "Englisch" in html
    table = rows_of(editor.get("/staff/dashboard/ergebnisse.csv", params={"from": "2026-11-02", "to": "2026-11-03"}))
    assert table[0] == ["Ergebnis", "Anzahl", "Anteil in %"]
    assert ["direkt beantwortet", "2", "28,6"] in table and ["Rückfrage ohne Erfolg", "1", "14,3"] in table
    weekly = rows_of(editor.get("/staff/dashboard/nutzung.csv", params={"from": "2026-11-02", "to": "2026-11-03",
                                                                         "by": "week"}))
    assert weekly[1:] == [["KW 45/2026", "5", "8"]]
    assert editor.get("/staff/dashboard", params={"days": 12}).status_code == 422
    assert editor.get("/staff/dashboard", params={"from": "2026-11-05", "to": "2026-11-01"}).status_code == 422
    assert editor.get("/staff/dashboard/unbekannt.csv").status_code == 404


def test_gaps_page_groups_marks_and_exports(stack, stack_history):
    editor = login(stack, "rita")
    html = editor.get("/staff/gaps", params={"days": 90}).text
    assert "Inhaltslücken" in html and "Gruppen unbeantworteter Fragen" in html
    ids = re.findall(r'<tr id="(g\d+)"', html)
    assert ids, html[:2000]
    exported = rows_of(editor.get("/staff/gaps.csv", params={"days": 90}))
    assert exported[0][0] == "Gruppe" and {row[0] for row in exported[1:]} == set(ids)
    csrf = csrf_of(editor, "/staff/gaps?days=90")
    marked = editor.post(f"/staff/gaps/{ids[0]}/handled", data={"csrf": csrf, "note": "Seite ergänzt", "days": "90"})
    assert marked.status_code == 303 and f"erledigt={ids[0]}" in marked.headers["location"]
    after = editor.get(marked.headers["location"]).text
    assert "Die Gruppe wurde als erledigt markiert." in after and "Seite ergänzt" in after
    assert editor.post("/staff/gaps/g0/handled", data={"csrf": csrf, "days": "90"}).status_code == 409
    assert editor.post(f"/staff/gaps/{ids[0]}/handled", data={"days": "90"}).status_code == 403  # no CSRF token
