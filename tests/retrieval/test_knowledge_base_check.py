"""kb check: every kind of bad input is reported as file:line: message, and nothing else breaks."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from retrieval.kb.knowledge_base import load_knowledge_base
from tests.conftest import OFFICES_YAML, SAMPLE_KB, page


def messages(kb) -> list[str]:
    return [str(f) for f in kb.errors]


def test_valid_page_loads_with_all_fields(write_kb):
    root = write_kb({"offices.yaml": OFFICES_YAML, "a.md": page(
        "perso", "Personalausweis", "Text.\n\n## Gebühren\n\n37 Euro",
        leika='"99008001000000"', fees="37 Euro", offices="[amt]", booking_url="https://example.org/termin")})
    kb = load_knowledge_base(root)
    assert kb.errors == []
    doc = kb.documents["perso"]
    assert doc.meta.fees == "37 Euro" and doc.meta.offices == ["amt"] and doc.meta.leika == "99008001000000"
    assert str(doc.meta.booking_url) == "https://example.org/termin"


def test_missing_front_matter(write_kb):
    kb = load_knowledge_base(write_kb({"a.md": "# Nur Text\n"}))
    assert messages(kb) == [f"{kb.root / 'a.md'}:1: YAML-Kopf fehlt: die Datei muss mit einer Zeile '---' beginnen und der Kopf mit '---' enden"]


def test_broken_yaml_names_the_line(write_kb):
    text = "---\nid: a\ntype: service\ntitle: [nicht geschlossen\nurl: https://x.org\n---\nText\n"
    kb = load_knowledge_base(write_kb({"a.md": text}))
    (msg,) = messages(kb)
    assert msg.startswith(f"{kb.root / 'a.md'}:") and "YAML-Fehler" in msg
    assert int(msg.split(":")[1]) in (4, 5)


def test_non_utf8_file_names_the_line(write_kb):
    raw = page("a", "Titel", "Zeile eins\nStra\xdfe").encode("utf-8").replace("Stra\xdfe".encode(), b"Stra\xdfe")
    kb = load_knowledge_base(write_kb({"a.md": raw}))
    (msg,) = messages(kb)
    assert msg.startswith(f"{kb.root / 'a.md'}:11:") and "nicht UTF-8" in msg


def test_missing_and_invalid_fields(write_kb):
    text = ("---\nid: a\ntype: formular\ntitle: T\nurl: kein-link\nupdated: 2026-13-45\n"
            "fees: 5\nfarbe: rot\n---\nText\n")
    kb = load_knowledge_base(write_kb({"a.md": text}))
    msgs = messages(kb)
    path = kb.root / "a.md"
    assert f"{path}:3: type: unzulässiger Wert" in msgs
    assert f"{path}:5: url: ungültige URL" in msgs
    assert f"{path}:6: updated: ungültiges Datum, erwartet JJJJ-MM-TT" in msgs
    assert f"{path}:7: fees: erwartet einen Text" in msgs
    assert f"{path}:8: farbe: unbekanntes Feld (Tippfehler?)" in msgs


def test_required_field_missing(write_kb):
    kb = load_knowledge_base(write_kb({"a.md": "---\nid: a\ntype: faq\ntitle: T\nupdated: 2026-01-01\n---\nText\n"}))
    assert messages(kb) == [f"{kb.root / 'a.md'}:2: url: Pflichtfeld fehlt"]


def test_duplicate_ids_point_at_both_files(write_kb):
    kb = load_knowledge_base(write_kb({"a.md": page("gleich", "Eins", "x"), "b.md": page("gleich", "Zwei", "y")}))
    assert messages(kb) == [f"{kb.root / 'b.md'}:2: doppelte ID 'gleich', schon vergeben in {kb.root / 'a.md'}:2"]
    assert kb.documents["gleich"].meta.title == "Eins"


def test_unknown_office(write_kb):
    kb = load_knowledge_base(write_kb({"offices.yaml": OFFICES_YAML, "a.md": page("a", "T", "x", offices="[amt, gibtsnicht]")}))
    assert messages(kb) == [f"{kb.root / 'a.md'}:8: offices: unbekannte Dienststelle 'gibtsnicht' (nicht in offices.yaml)"]
    assert "a" not in kb.documents


def test_bad_opening_hours_and_weekday(write_kb):
    offices = OFFICES_YAML.replace('mo: "08:00-12:00"', 'mo: "8 bis 12"').replace('do: "', 'dx: "')
    kb = load_knowledge_base(write_kb({"offices.yaml": offices, "a.md": page("a", "T", "x", offices="[amt]")}))
    path = kb.root / "offices.yaml"
    assert messages(kb) == [
        f"{path}:6: opening_hours.mo: '8 bis 12' ist keine Zeitspanne wie 08:00-12:00",
        f"{path}:7: opening_hours.dx.[key]: unzulässiger Wert",
    ]
    assert kb.offices_broken and "a" in kb.documents  # references are not judged against a broken file


def test_duplicate_office(write_kb):
    kb = load_knowledge_base(write_kb({"offices.yaml": OFFICES_YAML + "  - id: amt\n    name: Doppelt\n"}))
    assert messages(kb) == [f"{kb.root / 'offices.yaml'}:9: doppelte Dienststellen-ID 'amt' (zuerst in Zeile 2)"]


def test_empty_body_and_warnings(write_kb):
    old = page("alt", "Alt", "x").replace("2026-05-01", "2020-01-01")
    kb = load_knowledge_base(write_kb({"a.md": page("a", "T", ""), "alt.md": old}))
    assert [f.message for f in kb.errors] == ["Text fehlt: unter dem YAML-Kopf steht kein Inhalt"]
    assert any("nicht geprüft" in f.message for f in kb.warnings)


def test_cli_check_exit_codes(write_kb):
    runner = CliRunner()
    good = runner.invoke(app, ["kb", "check", str(SAMPLE_KB)])
    assert good.exit_code == 0, good.output
    root = write_kb({"a.md": "kein Kopf"})
    bad = runner.invoke(app, ["kb", "check", str(root)])
    assert bad.exit_code == 1
    assert f"{root / 'a.md'}:1: YAML-Kopf fehlt" in bad.output


def test_sample_municipality_is_complete():
    kb = load_knowledge_base(SAMPLE_KB)
    assert kb.errors == []
    types = [d.meta.type for d in kb.documents.values()]
    assert types.count("service") >= 40 and types.count("faq") >= 30
    with_hours = [o for o in kb.offices.values() if o.opening_hours]
    assert len(with_hours) >= 5
    sources = {Path(d.source).parts[0] for d in kb.documents.values()}
    assert sources == {"leistungen", "faq"}


def translation(doc_id: str, base: str, lang: str, title: str = "Title", body: str = "Text.") -> str:
    head = f"---\nid: {doc_id}\nlang: {lang}\ntranslation_of: {base}\n" + (f"title: {title}\n" if title else "")
    return head + f"updated: 2026-05-01\n---\n\n{body}\n"


def test_a_translation_is_kept_apart_from_the_searched_pages(write_kb):
    kb = load_knowledge_base(write_kb({"a.md": page("perso", "Personalausweis", "Text."),
                                       "en/a.md": translation("perso.en", "perso", "en", "ID card")}))
    assert messages(kb) == []
    assert list(kb.documents) == ["perso"]
    assert kb.translations[("perso", "en")].meta.title == "ID card"


def test_broken_translations_are_reported_where_the_editor_can_fix_them(write_kb):
    root = write_kb({
        "a.md": page("perso", "Personalausweis", "Text."),
        "en/a.md": translation("perso.en", "perso", "en"),
        "en/b.md": translation("perso.en2", "perso", "en"),  # a second English version
        "tr/a.md": translation("pass.tr", "reisepass", "tr"),  # no such German page
        "uk/a.md": translation("perso.uk", "perso", "uk", title=""),  # title missing
        "fr/a.md": translation("perso.fr", "perso", "fr"),  # a language the bot does not speak
    })
    kb = load_knowledge_base(root)
    found = sorted(messages(kb))
    assert found[0] == f"{root / 'en/b.md'}:3: lang: 'perso' hat schon eine Fassung in 'en' (en/a.md); eine Sprache je Seite"
    assert found[1].startswith(f"{root / 'fr/a.md'}:3: lang: ")
    assert found[2] == (f"{root / 'tr/a.md'}:4: translation_of: keine deutsche Seite mit der ID 'reisepass' "
                        "(Tippfehler, oder ist die Seite selbst eine Übersetzung?)")
    assert found[3] == f"{root / 'uk/a.md'}:2: title: Pflichtfeld fehlt"
    assert list(kb.translations) == [("perso", "en")]
    assert list(kb.documents) == ["perso"]  # the German page is untouched by its broken translations


def test_a_page_in_another_language_must_name_its_german_page(write_kb):
    kb = load_knowledge_base(write_kb({"a.md": page("perso", "ID card", "Text.", lang="en")}))
    assert messages(kb) == [f"{kb.root / 'a.md'}:8: lang: 'en' – eine Seite in einer anderen Sprache ist die "
                            "Übersetzung einer deutschen Seite: tragen Sie deren ID als translation_of ein (siehe "
                            "docs/editors-guide.md)"]


def test_the_sample_municipality_has_translations_in_every_promised_language():
    kb = load_knowledge_base(SAMPLE_KB)
    assert kb.errors == []
    languages = {lang for _, lang in kb.translations}
    assert {"en", "tr", "uk", "ar", "de-x-ls"} <= languages


def test_leichte_sprache_pages_get_readability_warnings(write_kb):
    hard = ("Die Wohnungsgeberbestätigung, die Ihnen Ihr Vermieter nach dem Einzug aushändigen muss, legen Sie "
            "zusammen mit Ihrem Personalausweis bei der Anmeldung im Bürgerbüro vor.")
    root = write_kb({"a.md": page("wohnen", "Wohnsitz anmelden", "Text."),
                     "ls/a.md": translation("wohnen.ls", "wohnen", "de-x-ls", "Wohnung anmelden", hard),
                     "ls/b.md": translation("wohnen.ls2", "perso", "de-x-ls", "Ausweis", "Text.")})
    kb = load_knowledge_base(root)
    warnings = [str(f) for f in kb.warnings if "ls/a.md" in str(f)]
    assert any(":9: Warnung: Leichte Sprache: Satz mit 23 Wörtern" in w for w in warnings), warnings
    assert any("langes Wort „Wohnungsgeberbestätigung“" in w for w in warnings)
    assert any("Wiener Sachtextformel" in w for w in warnings)
    assert ("wohnen", "de-x-ls") in kb.translations  # warnings, not errors: the page is used


def test_easy_pages_written_to_the_rules_pass_without_warnings(write_kb):
    easy = "Sie ziehen um?\nDann melden Sie die neue Wohnung an.\nDas kostet nichts."
    kb = load_knowledge_base(write_kb({"a.md": page("wohnen", "Wohnsitz anmelden", "Text."),
                                       "ls/a.md": translation("wohnen.ls", "wohnen", "de-x-ls", "Wohnung anmelden", easy)}))
    assert [str(f) for f in kb.findings if "ls/a.md" in str(f)] == []
