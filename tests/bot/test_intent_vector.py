"""The intent vector on its way to Rasa in the message metadata."""

from __future__ import annotations

import numpy as np

from bot.rasa.components import intent_vector


def test_the_intent_vector_survives_the_wire_exactly():
    vector = np.random.default_rng(7).normal(size=768).astype(np.float32)
    assert np.array_equal(intent_vector.decode(intent_vector.encode(vector)), vector)
    assert intent_vector.from_metadata({"intent_vector": "kein base64!"}) is None
    assert intent_vector.from_metadata(None) is None and intent_vector.from_metadata({}) is None
