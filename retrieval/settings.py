"""Retrieval settings: the only place the retrieval package reads the environment.

Values come from (highest first) constructor arguments, environment variables
``KOMMUNALBOT_*``, the TOML config file (``KOMMUNALBOT_CONFIG`` or ``./kommunalbot.toml``)
and the defaults below. The bot package extends this class with its own fields.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from slugify import slugify

DEFAULT_MODEL = "google/embeddinggemma-300m"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kommunalbot" / "models"


def config_file_path() -> Path:
    """The TOML config file: ``KOMMUNALBOT_CONFIG`` or ``kommunalbot.toml`` in the working dir."""
    return Path(os.environ.get("KOMMUNALBOT_CONFIG", "kommunalbot.toml"))


class RetrievalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOMMUNALBOT_", extra="ignore")

    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model: the default (verified bootstrap), "
        "another model name already in the local Hugging Face cache, or a local folder.",
    )
    model_cache_dir: Path = Field(default_factory=_default_cache_dir)
    # Texts per model run when building with PyTorch; the ONNX runtimes run one text at a time.
    embedding_batch_size: int = 16
    # How the model runs. "auto": the verified ONNX export with 8-bit weights when setup made
    # one (`kommunalbot model export`), else PyTorch. "onnx-float32" keeps full precision.
    embedding_runtime: Literal["auto", "onnx-int8", "onnx-float32", "torch"] = "auto"
    # Only for the PyTorch runtime: bfloat16 is about 1.5-4x faster on CPUs with AVX-512 BF16
    # or AMX and gives the same rankings (cosine to float32 > 0.998); "auto" uses it only there.
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = "auto"
    # ONNX runtimes: threads per model run, and runs at once (shared by all chat messages of
    # this process). Unset: every core the process may use. Several app workers on one machine:
    # cores / workers.
    embedding_threads: int | None = Field(None, ge=1)
    # Matryoshka truncation (EmbeddingGemma supports 768/512/256/128); None keeps the full size.
    embedding_dim: int | None = None

    kb_dir: Path = Path("knowledge_base")
    # Root of the index stores: one per knowledge-base folder (index_for), so that building
    # another folder never touches the one being served.
    index_dir: Path = Path("var/index")
    # Builds kept for rollback besides the live one.
    keep_builds: int = 3
    # Above this many chunks the index switches from exact search to HNSW.
    exact_index_max_chunks: int = 20_000
    # A new build that loses more than this share of the live documents is refused.
    max_document_loss: float = 0.5

    # Weight of the lexical (BM25) signal added to the dense score; 0 switches it off.
    lexical_weight: float = 0.02

    # Confidence ladder used by the dialogue layer (probability that the top hit is right).
    # Unset: the thresholds chosen with the model's calibration (retrieval/search/calibration/).
    answer_threshold: float | None = None
    clarify_threshold: float | None = None

    def index_for(self, kb_dir: Path | None = None) -> Path:
        """The index store of a knowledge-base folder (default: kb_dir): readable folder name and a
        hash of the full path, so that two folders of the same name never share one."""
        folder = (kb_dir or self.kb_dir).resolve()
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
        return self.index_dir / "kb" / f"{slugify(folder.name, max_length=40) or 'kb'}-{digest}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return (init_settings, env_settings, toml, file_secret_settings)


@lru_cache
def get_retrieval_settings() -> RetrievalSettings:
    return RetrievalSettings()
