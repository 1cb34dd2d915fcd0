"""The intent vector on the wire: the chat service embeds a message once and passes the vector
to Rasa in the message's metadata, so Rasa's classifier needs no call back for it.

Base64 of little-endian float32: exact, and about a third of the size of a JSON list. Plain
numpy, imported by both sides (the chat service and Rasa's environment).
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

METADATA_KEY = "intent_vector"


def encode(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def decode(value: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(value, validate=True), dtype="<f4").astype(np.float32)


def from_metadata(metadata: Any) -> np.ndarray | None:
    """The vector a message's metadata carries, or None (training data and other clients have none)."""
    value = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return decode(value)
    except ValueError:
        return None
