"""Language identification: lingua-language-detector against py3langid, and the product's rule.

    .venv/bin/python benchmarks/language_id.py [--json]

Lines, each with its true language:
  - our multilingual questions (benchmarks/data/musterstadt_multilingual.jsonl, munich_multilingual.jsonl)
    and the intent examples in bot/rasa/data/nlu/languages/ (all written for this project);
  - our citizen sets (benchmarks/data/*_citizens.jsonl: German stories, Bavarian, typos, loanwords;
    their non-native lines in English carry ``lang``), and xSID's German and dialect test lines
    when ../shared/data is there;
  - English: xSID's English test lines.
Both detectors are restricted to the eight languages the bot speaks. Reported: accuracy on
messages of 4 or more words (the target) and of 1-3 words, per language, time per message and
the memory the detector adds, and accuracy per source. "rule, prior de" is the product's
bot/i18n/detect.message_language with a German widget as the prior (the usual case, and the
hardest for a first message in another language; short messages then keep German by design).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import resource
import time
from collections import defaultdict
from pathlib import Path

import yaml
from shared_data import SHARED  # the script's folder is on sys.path when run as a script

from retrieval.languages import DETECTED

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
WORD = re.compile(r"\w+")


def lines() -> list[tuple[str, str, str]]:
    """(language, text, source)"""
    out: list[tuple[str, str, str]] = []
    for name in ("musterstadt_multilingual.jsonl", "munich_multilingual.jsonl", "munich_multilingual_holdout.jsonl",
                 "musterstadt_multilingual_calibration.jsonl"):
        path = DATA / name
        if path.is_file():
            rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
            out += [(r["lang"], r["text"], name) for r in rows]
    for path in sorted((ROOT / "bot/rasa/data/nlu/languages").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            out += [(path.stem, e[2:].strip(), "nlu-examples") for e in block["examples"].splitlines() if e.strip()]
    for name in ("musterstadt_citizens.jsonl", "munich_citizens.jsonl"):
        rows = [json.loads(x) for x in (DATA / name).read_text().splitlines() if x.strip()]
        out += [(r.get("lang", "de"), r["text"], name) for r in rows]
    xsid = SHARED / "xsid-de"
    for dialect in ("de", "de-ba", "de-muc", "de-st", "gsw"):
        path = xsid / f"{dialect}.test.jsonl"
        if path.is_file():
            out += [("de", json.loads(x)["text"], f"xsid-{dialect}") for x in path.read_text().splitlines() if x.strip()]
    path = xsid / "en.test.jsonl"
    if path.is_file():
        out += [("en", json.loads(x)["text"], "xsid-en") for x in path.read_text().splitlines() if x.strip()]
    return out


def lingua_detector():
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder  # pip install -e '.[bench]'

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in DETECTED]
    detector = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "de"
    return detect


def langid_detector():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(Path(MODEL_DIR) / MODEL_FILE)
    identifier.set_languages(list(DETECTED))
    return lambda text: identifier.classify(text)[0]


def rule_detector(prior: str | None):
    from bot.i18n.detect import message_language, warm_up

    warm_up()
    return lambda text: message_language(text, widget=prior)


def measure(name: str, make, data: list[tuple[str, str, str]]) -> dict:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    detect = make()
    load_s = time.perf_counter() - started
    memory_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    right: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors: list[str] = []
    started = time.perf_counter()
    for lang, text, source in data:
        length = "4+" if len(WORD.findall(text)) >= 4 else "1-3"
        got = detect(text)
        if length == "4+":
            by_source[source][0] += got == lang
            by_source[source][1] += 1
        for key in ((lang, length), ("all", length)):
            right[key][0] += got == lang
            right[key][1] += 1
        if got != lang and length == "4+":
            errors.append(f"{lang}->{got}: {text[:70]}")
    per_message_ms = (time.perf_counter() - started) / len(data) * 1000
    return {"detector": name, "load_s": round(load_s, 2), "added_memory_mb": round(memory_mb),
            "ms_per_message": round(per_message_ms, 3),
            "accuracy": {f"{lang} {length}": {"right": r, "n": n, "share": round(r / n, 4)}
                         for (lang, length), (r, n) in sorted(right.items())},
            "accuracy_4plus_by_source": {k: {"right": r, "n": n, "share": round(r / n, 4)}
                                         for k, (r, n) in sorted(by_source.items())},
            "errors_4plus": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", choices=["lingua", "py3langid", "rule, prior de"], nargs="*")
    args = parser.parse_args()
    data = lines()
    makers = {"py3langid": langid_detector, "lingua": lingua_detector, "rule, prior de": lambda: rule_detector("de")}
    if importlib.util.find_spec("lingua") is None:
        print("lingua fehlt (pip install -e '.[bench]'): nur py3langid und die Regel")
        makers.pop("lingua")
    results = [measure(name, make, data) for name, make in makers.items() if not args.only or name in args.only]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    print(f"{len(data)} Zeilen")
    for r in results:
        print(f"\n{r['detector']}: Laden {r['load_s']} s, +{r['added_memory_mb']} MB, {r['ms_per_message']} ms/Nachricht")
        for key, v in r["accuracy"].items():
            print(f"  {key:8} {v['share']:.3f} ({v['right']}/{v['n']})")
        print("  ab 4 Wörtern je Quelle:")
        for key, v in r["accuracy_4plus_by_source"].items():
            print(f"    {key:38} {v['share']:.3f} ({v['right']}/{v['n']})")
        for e in r["errors_4plus"][:25]:
            print("   ", e)


if __name__ == "__main__":
    main()
