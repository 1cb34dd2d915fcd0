"""Intent accuracy per language: the product's intent model on its own training data, tested on
held-out messages in the eight languages.

    .venv/bin/python benchmarks/intent_languages.py [--json] [--test FILE]

Training: every example in bot/rasa/data/nlu/ (entity markup removed, as Rasa does), embedded
with the chat service's model and classification prompt, fitted with the product's intent model
and settings (bot/rasa/components/hybrid_model.py, bot/rasa/config.yml). Test:
benchmarks/data/intents_multilingual.jsonl, 4 messages per intent and language, written for this
project and phrased apart from the training examples (``--test benchmarks/data/intents_keywords.jsonl``:
service questions typed as keywords, "Sperrmüll", "Auto stilllegen", in the eight languages). As in the product, a prediction under
the FallbackClassifier's threshold is "nlu_fallback" (then the search decides), counted as wrong.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

import yaml

from bot.rasa.components.hybrid_model import HybridIntentModel
from retrieval.model.embedder import INTENT_PROMPT, load_embedder
from retrieval.settings import get_retrieval_settings

ROOT = Path(__file__).resolve().parents[1]
NLU = ROOT / "bot/rasa/data/nlu"
TEST = ROOT / "benchmarks/data/intents_multilingual.jsonl"
ENTITY = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def training_data(german_only: bool = False) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in sorted(NLU.rglob("*.yml")):
        if german_only and path.parent.name == "languages":
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block:
                continue  # lookup tables, synonyms, regexes
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    texts.append(ENTITY.sub(r"\1", line.strip()[2:]))
                    labels.append(block["intent"])
    return texts, labels


def product_settings() -> tuple[float, float, float]:
    config = yaml.safe_load((ROOT / "bot/rasa/config.yml").read_text(encoding="utf-8"))
    pipeline = {step["name"].rsplit(".", 1)[-1]: step for step in config["pipeline"]}
    hybrid = pipeline["HybridIntentClassifier"]
    return hybrid["dense_weight"], hybrid["c"], pipeline["FallbackClassifier"]["threshold"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--german-only", action="store_true",
                        help="ohne die Beispiele in anderen Sprachen trainieren (der Stand vor ihnen)")
    parser.add_argument("--prompt", default=INTENT_PROMPT,
                        help="Prompt des Modells für die Satzvektoren ('query': der Vektor der Suche)")
    parser.add_argument("--test", type=Path, default=TEST, help="Testnachrichten (JSONL: lang, text, intent)")
    args = parser.parse_args()
    embedder = load_embedder(get_retrieval_settings())
    texts, labels = training_data(args.german_only)
    rows = [json.loads(line) for line in args.test.read_text(encoding="utf-8").splitlines() if line.strip()]
    dense_weight, c, threshold = product_settings()
    model = HybridIntentModel(dense_weight=dense_weight, c=c)
    model.fit(texts, embedder.encode_prompted([(args.prompt, t) for t in texts]), labels)
    names, proba = model.predict_proba([r["text"] for r in rows],
                                       embedder.encode_prompted([(args.prompt, r["text"]) for r in rows]))
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for row, p in zip(rows, proba):
        best = int(p.argmax())
        predicted = names[best] if p[best] >= threshold else "nlu_fallback"
        for key in (row["lang"], "all"):
            per_lang[key][0] += predicted == row["intent"]
            per_lang[key][1] += 1
        if predicted != row["intent"]:
            errors.append(f"{row['lang']} {row['intent']} -> {predicted} ({p[best]:.2f}): {row['text']}")
    result = {"training_examples": len(texts), "test_messages": len(rows),
              "accuracy": {k: round(r / n, 4) for k, (r, n) in sorted(per_lang.items())}, "errors": errors}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    print(f"{len(texts)} Trainingsbeispiele, {len(rows)} Testnachrichten")
    for lang, share in result["accuracy"].items():
        print(f"  {lang:4s} {share:.3f}")
    print("\n".join(errors))


if __name__ == "__main__":
    main()
