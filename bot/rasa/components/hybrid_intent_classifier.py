"""Rasa 3.6 intent classifier: HybridIntentModel over n-grams and the chat service's embeddings.

The chat service holds the one copy of the embedding model. A live message arrives with its
intent vector in the message metadata (components/intent_vector.py): no call back per turn.
Only training examples, and messages from clients that send no vector (`rasa shell`), are
embedded by a call to the chat service (POST /internal/nlu-embeddings).
Runs inside Rasa's own environment.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import urllib.request
from typing import Any

import numpy as np
from components import intent_vector
from components.hybrid_model import HybridIntentModel
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)
MODEL_FILE = "hybrid_intent_model.pkl"
RANKING_LENGTH = 10


def fetch_embeddings(texts: list[str], timeout: float) -> np.ndarray:
    url = os.environ.get("KOMMUNALBOT_EMBED_URL", "http://127.0.0.1:8000/internal/nlu-embeddings")
    request = urllib.request.Request(
        url, data=json.dumps({"texts": texts}).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Internal-Token": os.environ.get("KOMMUNALBOT_INTERNAL_TOKEN", "")})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback URL from config
        return np.asarray(json.loads(response.read())["vectors"], dtype=np.float32)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class HybridIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"dense_weight": 2.0, "c": 10.0, "timeout": 30.0, "batch_size": 64}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: HybridIntentModel | None = None) -> None:
        self.config, self._storage, self._resource, self.model = config, model_storage, resource, model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> HybridIntentClassifier:
        return cls(config, model_storage, resource)

    def _embed(self, texts: list[str]) -> np.ndarray:
        size = int(self.config["batch_size"])
        return np.vstack([fetch_embeddings(texts[i:i + size], self.config["timeout"]) for i in range(0, len(texts), size)])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        texts = [e.get(TEXT) for e in examples]
        labels = [e.get(INTENT) for e in examples]
        self.model = HybridIntentModel(self.config["dense_weight"], self.config["c"]).fit(texts, self._embed(texts), labels)
        with self._storage.write_to(self._resource) as directory:
            with open(directory / MODEL_FILE, "wb") as f:
                pickle.dump(self.model, f)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> HybridIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                with open(directory / MODEL_FILE, "rb") as f:
                    return cls(config, model_storage, resource, pickle.load(f))  # noqa: S301 - our own model file
        except ValueError:
            return cls(config, model_storage, resource)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or self.model is None:
                continue
            given = intent_vector.from_metadata(message.get("metadata"))
            try:
                vector = given[None, :] if given is not None else self._embed([text])
                names, proba = self.model.predict_proba([text], vector)
            except (OSError, ValueError) as e:  # no vector (chat service unreachable, wrong size): fallback rule
                log.error("Keine Einbettung für die Nachricht: %s", e)
                message.set(INTENT, {"name": "nlu_fallback", "confidence": 0.0}, add_to_output=True)
                continue
            order = np.argsort(-proba[0])
            ranking = [{"name": names[i], "confidence": float(proba[0][i])} for i in order[:RANKING_LENGTH]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
