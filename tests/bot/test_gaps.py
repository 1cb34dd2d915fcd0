"""Content gaps (bot/reports/gaps.py): what is collected, the grouping on our paraphrase set, the
suggestions, and the editors' handled/recurring workflow."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from bot.chat.service import ChatService
from bot.console.reports import csv_response, gaps_csv
from bot.db.session import Database, migrate
from bot.events import EventBus
from bot.live_index import LiveIndex
from bot.reports import gaps
from bot.reports.gaps import DECLINED, DISLIKED, NOT_CHOSEN, GapCluster, GapQuestion, Gaps, NearestPage
from bot.settings import Settings
from retrieval.index.build import build_index
from retrieval.model.embedder import HASHING_MODEL, HashingEmbedder
from tests.bot.history import DECLINE, ScriptedRasa, answer, ask_back
from tests.conftest import PROJECT_ROOT, page

GAP_SETS = PROJECT_ROOT / "benchmarks" / "data"
POOL = ["Wann hat das Hallenbad offen?", "wann hat das hallenbad offen", "Wann hat das Hallenbad heute offen?"]


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (GAP_SETS / f"gap_questions_{name}.jsonl").open(encoding="utf-8")]


@pytest.mark.model
def test_the_paraphrase_set_is_grouped_by_meaning(sample_index, real_embedder):
    """The held-out set (topics the threshold was not chosen on): adjusted Rand index >= 0.8."""
    knowledge = LiveIndex(Settings(index_dir=sample_index, kb_dir=PROJECT_ROOT / "knowledge_base"), real_embedder)
    knowledge.reload()
    rows = load("test")
    assert len(rows) >= 150 and len({r["group"] for r in rows}) >= 25
    labels = gaps.cluster_labels(knowledge.gap_vectors([(r["text"], "de") for r in rows]))
    assert adjusted_rand_score([r["group"] for r in rows], labels) >= 0.8


def test_clustering_cuts_at_the_distance_threshold():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    near_a = np.array([0.95, np.sqrt(1 - 0.95 ** 2)])  # cosine distance 0.05 to a
    labels = gaps.cluster_labels(np.stack([a, near_a, b]), threshold=0.3)
    assert labels[0] == labels[1] != labels[2]
    assert len(set(gaps.cluster_labels(np.stack([a, near_a, b]), threshold=1.5).tolist())) == 1
    assert gaps.cluster_labels(np.stack([a])).tolist() == [0]


def question(reason: str, page_id: str | None = None) -> GapQuestion:
    return GapQuestion(1, datetime.now(UTC), "x", "de", reason, page_id)


@pytest.mark.parametrize(("questions", "score", "expected", "about"), [
    ([question(DECLINED)] * 3, 0.3, gaps.NEW_PAGE, None),
    ([question(DECLINED)] * 3, 0.8, gaps.ADD_TERMS, "p1"),
    ([question(DISLIKED, "p2"), question(DISLIKED, "p2"), question(DECLINED)], 0.8, gaps.CHECK_PAGE, "p2"),
    ([question(DISLIKED, "p2"), question(DECLINED), question(NOT_CHOSEN)], 0.3, gaps.NEW_PAGE, None),
])
def test_suggestions(questions, score, expected, about):
    cluster = GapCluster("g1", questions, 0, np.zeros(2), nearest=NearestPage("p1", "Seite 1", score))
    gaps.suggest(cluster)
    assert cluster.suggestion == expected
    assert (cluster.page.id if cluster.page else None) == about


@pytest.fixture
def setting(tmp_path, write_kb):
    kb = write_kb({"hallenbad.md": page("sport", "Sportvereine", "Alle Vereine der Stadt."),
                   "sperrmuell.md": page("sperrmuell", "Sperrmüll anmelden", "Sperrmüll wird zweimal im Jahr abgeholt.")})
    settings = Settings(embedding_model=HASHING_MODEL, index_dir=tmp_path / "index", kb_dir=kb,
                        database_url=f"sqlite:///{tmp_path / 'store.db'}")
    build_index(kb, settings, HashingEmbedder())
    knowledge = LiveIndex(settings, HashingEmbedder())
    knowledge.reload()
    migrate(settings.database_url)
    db = Database(settings.database_url)
    yield settings, db, knowledge
    db.engine.dispose()


def talk(db: Database, *texts: str, script: dict) -> ChatService:
    chat = ChatService(db, ScriptedRasa(db, script), EventBus())
    cid = chat.start()
    for text in texts:
        chat.send(cid, text)
    return chat, cid


def test_what_is_collected(setting):
    _, db, knowledge = setting
    script = {"Hallenbad offen?": ([DECLINE], "ask_service"),
              "Parkausweis": ([ask_back("sperrmuell", "sport")], "ask_service"),
              "Sperrmüll": ([ask_back("sperrmuell", "sport")], "ask_service"),
              '/choose_service{"service_id":"sperrmuell"}': ([answer("sperrmuell")], "choose_service"),
              "Wer holt mein Sofa?": ([answer("sperrmuell")], "ask_service"),
              "Was kostet der Sperrmüll?": ([answer("sperrmuell")], "ask_service"),
              "Für Handwerker": ([DECLINE], "ask_service")}
    talk(db, "Hallenbad offen?", script=script)
    talk(db, "Parkausweis", "Für Handwerker", script=script)  # asked back, no button chosen
    talk(db, "Sperrmüll", '/choose_service{"service_id":"sperrmuell"}', script=script)  # resolved: not a gap
    chat, cid = talk(db, "Wer holt mein Sofa?", script=script)
    chat.feedback(cid, 2, helpful=False, text=None)
    chat, cid = talk(db, "Was kostet der Sperrmüll?", script=script)
    chat.feedback(cid, 2, helpful=True, text=None)  # helpful: not a gap
    now = datetime.now(UTC)
    found = {(q.text, q.reason, q.page) for q in Gaps(db, knowledge).questions(now - timedelta(hours=1), now)}
    assert found == {("Hallenbad offen?", DECLINED, None), ("Parkausweis", NOT_CHOSEN, "sperrmuell"),
                     ("Für Handwerker", DECLINED, None), ("Wer holt mein Sofa?", DISLIKED, "sperrmuell")}


def test_handled_groups_and_groups_that_come_back(setting, tmp_path):
    settings, db, knowledge = setting
    script = {text: ([DECLINE], "ask_service") for text in [*POOL, "Sperrmüll abholen lassen Termin", "Hallenbad auf?"]}
    for text in [*POOL, "Sperrmüll abholen lassen Termin"]:
        talk(db, text, script=script)
    gap = Gaps(db, knowledge)

    def groups() -> list[GapCluster]:
        moment = datetime.now(UTC) + timedelta(seconds=1)
        return gap.clusters(moment - timedelta(days=1), moment, moment - timedelta(days=2)).clusters

    pool, other = groups()
    assert pool.size == 3 and sorted(pool.examples) == sorted(POOL) and pool.status == gaps.OPEN
    assert other.size == 1 and other.examples == []  # fewer than three questions: nobody is quotable
    assert pool.trend == 3 and pool.previous == 0
    gap.mark_handled(pool, "Erika", "Öffnungszeiten-Seite geschrieben")
    pool, _ = groups()
    assert pool.status == gaps.HANDLED and pool.review.note == "Öffnungszeiten-Seite geschrieben"

    talk(db, "Wann hat das Hallenbad offen?", script=script)  # asked again, knowledge base unchanged
    pool, _ = groups()
    assert pool.status == gaps.HANDLED and pool.since_review == 1

    (settings.kb_dir / "neu.md").write_text(page("hallenbad", "Hallenbad", "Offen Mo-Fr 7-21 Uhr."), encoding="utf-8")
    build_index(settings.kb_dir, settings, HashingEmbedder())
    knowledge.reload()
    pool, _ = groups()
    assert pool.status == gaps.RECURRING and pool.since_review == 1  # came back after the change

    rows = gaps_csv(groups())
    assert rows[0][:3] == ["Gruppe", "Fragen", "Vorperiode"] and rows[1][1] == 4 and rows[1][-1] == gaps.RECURRING
    assert all(len(r) == len(rows[0]) for r in rows)


def test_gap_vectors_are_computed_once_and_stored(setting, monkeypatch):
    _, db, knowledge = setting
    for text in POOL:
        talk(db, text, script={t: ([DECLINE], "ask_service") for t in POOL})
    calls = []
    original = knowledge.gap_vectors
    monkeypatch.setattr(knowledge, "gap_vectors", lambda items: calls.append(len(items)) or original(items))
    gap = Gaps(db, knowledge)
    now = datetime.now(UTC)
    assert gap.remember(now - timedelta(hours=1), now + timedelta(seconds=1), limit=2) == 2  # the newest two
    assert gap.remember(now - timedelta(hours=1), now + timedelta(seconds=1), limit=10) == 3
    gap.clusters(now - timedelta(hours=1), now + timedelta(seconds=1), now - timedelta(hours=2))
    assert calls == [2, 1]  # the page view used the stored vectors


def test_a_page_view_embeds_only_a_few_questions_and_says_how_many_wait(setting):
    _, db, knowledge = setting
    for text in POOL:
        talk(db, text, script={t: ([DECLINE], "ask_service") for t in POOL})
    now = datetime.now(UTC)
    groups = Gaps(db, knowledge).clusters(now - timedelta(hours=1), now + timedelta(seconds=1),
                                          now - timedelta(hours=2), embed_at_most=2)
    assert groups.waiting == 1 and sum(c.size for c in groups.clusters) == 2  # the newest two


def test_csv_cells_never_run_as_formulas():
    response = csv_response([["Frage", "Anzahl"], ["=HYPERLINK(\"http://x\")", 3], ["+49 170", 1]], "x.csv")
    body = response.body.decode("utf-8")
    assert body.startswith("\ufeffFrage;Anzahl")
    assert "'=HYPERLINK" in body and "'+49 170" in body and response.media_type.startswith("text/csv")


def test_dashboard_tables_use_german_numbers_in_csv():
    from bot.console.reports import table_csv
    from bot.reports.summary import Table

    rows = table_csv(Table("t", "Titel", ["Ergebnis", "Anzahl", "Anteil in %"], [["direkt", 1234, 28.57]]))
    assert rows == [["Ergebnis", "Anzahl", "Anteil in %"], ["direkt", "1.234", "28,6"]]


def test_report_gaps_cli_writes_every_question_as_json(setting, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.settings import get_settings

    settings, db, _ = setting
    script = {text: ([DECLINE], "ask_service") for text in [*POOL, "Sperrmüll abholen lassen Termin"]}
    for text in [*POOL, "Sperrmüll abholen lassen Termin"]:
        talk(db, text, script=script)
    for name, value in (("DATABASE_URL", settings.database_url), ("KOMMUNALBOT_KB_DIR", str(settings.kb_dir)),
                        ("KOMMUNALBOT_INDEX_DIR", str(settings.index_dir)),
                        ("KOMMUNALBOT_EMBEDDING_MODEL", HASHING_MODEL)):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["report", "gaps", "--since", "7", "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    clusters = json.loads(result.stdout)["clusters"]
    assert [c["size"] for c in clusters] == [3, 1]  # ordered by size
    assert sorted(clusters[0]["questions"]) == sorted(POOL)
    assert clusters[1]["questions"] == ["Sperrmüll abholen lassen Termin"]  # all questions, also of small groups
    assert set(clusters[0]["nearest_page"]) == {"id", "title", "score"}
    assert clusters[0]["suggestion"] and clusters[0]["id"].startswith("g")
