"""The embedding model as an ONNX Runtime graph: export once at setup, load fast at run time.

Why: on 2 CPU cores PyTorch needs 60-120 ms to embed one citizen question with
EmbeddingGemma-300M; ONNX Runtime needs about half of that in float32, and about a third with
8-bit weights (docs/benchmarks.md, "Einbettung der Frage"). The whole sentence-transformers
pipeline (transformer, pooling, dense heads, normalisation) is exported as one graph, so any
sentence-transformers model works the same way.

``int8`` quantises the weights of the transformer's linear layers dynamically (per output
channel), except the feed-forward output projections (e.g. Gemma's ``down_proj``): their inputs
carry the large outlier activations that 8-bit rounding destroys (cosine to float32 0.96 when
they are included, 0.995 when they are left in float32). The weights are unsigned (U8U8): with
signed weights, ONNX Runtime's integer kernels on x86 CPUs without VNNI (AVX2 only, e.g. many
AMD EPYC servers) add products in saturating 16-bit pairs, and the export loses accuracy on
exactly those machines (cosine 0.967 instead of 0.995); unsigned weights are exact everywhere.

Every export is verified against the original PyTorch model on German probe sentences before it
is used; its files are recorded with SHA-256 in ``manifest.json`` and checked on every load.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import numpy as np

from retrieval.model.store import sha256_file

log = logging.getLogger(__name__)

Precision = Literal["int8", "float32"]
MANIFEST = "manifest.json"
# 2: unsigned 8-bit weights (exports of format 1 lost accuracy on CPUs without VNNI).
# 3: norms and GELU fused into single operators (faster, same vectors).
# 4: signed 8-bit weights again where the CPU has VNNI (a quarter faster there).
FORMAT_VERSION = 4
# Cosine between the export and PyTorch float32 that an export must reach on every probe.
MIN_COSINE: dict[str, float] = {"float32": 0.9999, "int8": 0.99}
# Queries and passages of the kinds the product embeds (short, colloquial, long).
PROBES = (
    "Was kostet ein Perso?",
    "wo kann ich mein auto ummelden",
    "Brauch i an Termin fürs Bürgerbüro?",
    "Ich habe meinen grauen Lappen verloren, was muss ich jetzt machen und wie lange dauert das?",
    "Sperrmüll anmelden",
    "Öffnungszeiten Standesamt am Samstag",
    "Der Personalausweis kostet 37 Euro für Personen ab 24 Jahren. Die Bearbeitung dauert etwa "
    "drei bis vier Wochen. Bitte bringen Sie ein aktuelles biometrisches Passfoto mit.",
    "Hunde müssen innerhalb von zwei Wochen nach der Anschaffung bei der Stadtkasse angemeldet werden; "
    "die Hundesteuer wird jährlich erhoben und kann ermäßigt werden.",
)


class OnnxExportError(RuntimeError):
    pass


def onnx_dir(cache_dir: Path, model_name: str, precision: Precision) -> Path:
    """Where the export of this model in this precision lives (beside the model cache)."""
    from slugify import slugify

    return cache_dir / "onnx" / f"{slugify(model_name)}-{precision}"


def source_fingerprint(model_path: str) -> dict[str, int]:
    """Sizes of the source model's files: an export is stale when the source changes."""
    root = Path(model_path)
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}


class OnnxSentenceEncoder:
    """Tokenizer + ONNX Runtime session: texts (prompt already applied) -> unit vectors."""

    def __init__(self, folder: Path, threads: int | None = None, verify: bool = True):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.folder = folder
        self.manifest = read_manifest(folder)
        if verify:
            verify_files(folder, self.manifest)
        options = ort.SessionOptions()
        self.threads = threads or len(os.sched_getaffinity(0))
        # Each run on one core, as many runs side by side as there are cores: a question's ~20
        # tokens are too few to split over cores (one text: 2 threads barely faster than 1), and
        # a message's two vectors take ~30 ms side by side on one core each, against 40 ms when
        # both share a two-thread pool (docs/retrieval.md). Nor does ONNX Runtime then keep worker
        # threads that spin after a run and take the cores from Rasa and the web server.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder / "tokenizer"))
        self.max_length = int(self.manifest["max_seq_length"])
        self.prompts: dict[str, str] = self.manifest.get("prompts", {})
        self.dim = int(self.manifest["dim"])
        # The pool is shared by all callers: concurrent chat messages, a message's two vectors,
        # the build.
        self._runs = ThreadPoolExecutor(self.threads, thread_name_prefix="onnx-embed")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One text per run, runs spread over the cores.

        With 8-bit weights, dynamic quantisation scales the activations of the whole input
        tensor, so in a batch a text's vector would depend on its batch-mates and their padding
        (cosine 0.996 to itself alone). One text per run keeps every vector reproducible: the same
        question gets the same vector in chat, search and evaluation, and an index rebuilt
        incrementally equals one built from scratch.
        """
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.vstack(list(self._runs.map(lambda text: self._run([text]), texts)))

    def _run(self, texts: list[str]) -> np.ndarray:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="np")
        feed = {"input_ids": tokens["input_ids"].astype(np.int64),
                "attention_mask": tokens["attention_mask"].astype(np.int64)}
        vectors = self.session.run(None, feed)[0].astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise OnnxExportError(f"Kein ONNX-Export in {folder}. Bitte `kommunalbot model export` ausführen.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise OnnxExportError(f"{path}: Exportformat {manifest.get('format')} veraltet; bitte neu exportieren.")
    return manifest


def runtime_label(manifest: dict) -> str:
    """Names the vectors an export computes, e.g. "onnx-int8@3f9a…": precision plus a digest of its
    files, so an index or a Rasa model never mixes vectors of two different exports."""
    files = hashlib.sha256(json.dumps(manifest["files"], sort_keys=True).encode()).hexdigest()[:12]
    return f"onnx-{manifest['precision']}@{files}"


def verify_files(folder: Path, manifest: dict) -> None:
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != digest:
            raise OnnxExportError(f"{path}: fehlt oder SHA-256 stimmt nicht; bitte `kommunalbot model export` "
                                  "erneut ausführen.")


def is_current(folder: Path, model_path: str) -> bool:
    """A verified export of exactly this source model exists, made for this kind of CPU (files are
    checked on load). Signed weights are stale on a CPU without VNNI, e.g. after the cache moved to
    another machine: they would quietly lose accuracy there."""
    try:
        manifest = read_manifest(folder)
    except (OnnxExportError, ValueError):
        return False
    if manifest.get("signed_weights") and not cpu_has_vnni():
        return False
    return manifest.get("source_files") == source_fingerprint(model_path)


def _weight_matmuls(model) -> dict[str, list[int]]:
    """MatMul nodes that multiply by a weight matrix (the linear layers): node name -> weight shape."""
    shapes = {init.name: list(init.dims) for init in model.graph.initializer}
    return {node.name: shapes[node.input[1]] for node in model.graph.node
            if node.op_type == "MatMul" and len(node.input) > 1 and len(shapes.get(node.input[1], [])) == 2}


def _ffn_output_projections(model) -> set[str]:
    """Names of MatMul nodes whose weight maps the feed-forward width back to the hidden size.

    Structural, so it works for any transformer: the widest input dimension among the weight
    matrices is the feed-forward width (Gemma ``down_proj``, BERT ``output.dense``).
    """
    weighted = _weight_matmuls(model)
    if not weighted:
        return set()
    widest = max(dims[0] for dims in weighted.values())
    return {name for name, dims in weighted.items() if dims[0] == widest}


@contextmanager
def _errors_only(logger_name: str | None) -> Iterator[None]:
    """Silence a library's advice below ERROR while it runs (None: the root logger)."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _fuse_operators(source: Path, target: Path) -> None:
    """Fuse what the exporter spelled out op by op: RMS/layer norms (Pow, ReduceMean, Sqrt, ...)
    into one kernel each, and the GELU formulas into Gelu/FastGelu, with ONNX Runtime's own
    transformer optimizer. Same arithmetic, fewer passes over memory: a question embeds 7-10 %
    faster (docs/benchmarks.md). Attention and embedding fusions stay off; their patterns
    are model-specific, and the export must work for any sentence-transformers model."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_attention = options.enable_rotary_embeddings = options.enable_embed_layer_norm = False
    options.enable_shape_inference = False  # fails on the dynamo export's symbolic shapes; not needed here
    with _errors_only("onnxruntime.transformers"):  # "symbolic shape inference disabled" is expected, see above
        model = optimize_model(str(source), model_type="bert", num_heads=0, hidden_size=0, opt_level=0,
                               optimization_options=options)
        model.save_model_to_file(str(target), use_external_data_format=True)


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux); empty where unknown."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}


def cpu_has_vnni() -> bool:
    """Whether ONNX Runtime multiplies signed 8-bit weights exactly and fast on this CPU.

    With VNNI (x86 AVX512-VNNI or AVX-VNNI) signed weights (S8) take the dot-product instructions
    and embed a question about a quarter faster than unsigned ones. Without it (AVX2 only), the
    kernels add products in saturating 16-bit pairs and S8 loses accuracy (cosine 0.967 to the
    original); unsigned weights (U8U8) are exact everywhere. Measured in docs/benchmarks.md.
    """
    return bool(cpu_flags() & {"avx512_vnni", "avx_vnni"})


def _quantize(source: Path, target: Path, signed: bool) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(source), load_external_data=False)
    keep_float = _ffn_output_projections(model)
    quantised = [name for name in _weight_matmuls(model) if name not in keep_float]
    # quantize_dynamic advises "pre-processing" on the root logger; that is for static quantisation.
    with _errors_only(None):
        quantize_dynamic(str(source), str(target), per_channel=True,
                         weight_type=QuantType.QInt8 if signed else QuantType.QUInt8,
                         nodes_to_quantize=quantised, use_external_data_format=True)


def _export_float(model_path: str, target: Path):
    """Export the whole sentence-transformers pipeline; returns the loaded PyTorch model."""
    import torch
    from sentence_transformers import SentenceTransformer
    from torch.export import Dim

    st = SentenceTransformer(model_path, device="cpu", model_kwargs={"dtype": torch.float32})
    st.to(torch.float32).eval()

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.st({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]

    sample = st.tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
    batch, seq = Dim("batch"), Dim("seq", max=st.max_seq_length)
    with torch.no_grad():
        torch.onnx.export(Pipeline().eval(), (sample["input_ids"], sample["attention_mask"]), str(target),
                          dynamo=True, opset_version=18, input_names=["input_ids", "attention_mask"],
                          output_names=["sentence_embedding"], dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}),
                          external_data=True, verbose=False)
    return st


def export_onnx(model_path: str, out: Path, precision: Precision = "int8",
                progress: Callable[[str], None] = lambda _msg: None) -> dict:
    """Export, optionally quantise, verify against PyTorch, and move into place atomically."""
    import onnxruntime
    import torch

    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as tmp:
        staging = Path(tmp) / "export"
        staging.mkdir()
        progress("Exportiere das Modell nach ONNX (einmalig, etwa 2 Minuten) …")
        float_path = Path(tmp) / "float.onnx"
        st = _export_float(model_path, float_path)
        fused_path = Path(tmp) / "fused.onnx"
        _fuse_operators(float_path, fused_path)
        signed = precision == "int8" and cpu_has_vnni()
        if precision == "int8":
            progress("Quantisiere die Gewichte (8 Bit) …")
            _quantize(fused_path, staging / "model.onnx", signed)
        else:
            shutil.move(fused_path, staging / "model.onnx")
            weights = fused_path.with_name("fused.onnx.data")  # the graph refers to it by this name
            if weights.exists():
                shutil.move(weights, staging / weights.name)
        st.tokenizer.save_pretrained(str(staging / "tokenizer"))
        reference = st.encode(list(PROBES), convert_to_numpy=True, normalize_embeddings=True)
        manifest = {
            "format": FORMAT_VERSION, "source": model_path, "source_files": source_fingerprint(model_path),
            "precision": precision, "dim": int(reference.shape[1]), "max_seq_length": int(st.max_seq_length),
            "prompts": dict(st.prompts), "signed_weights": signed,
            "versions": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__},
            "files": {},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        progress("Prüfe den Export gegen das Original …")
        exported = OnnxSentenceEncoder(staging, verify=False).encode(PROBES)
        cosines = (exported * reference).sum(axis=1)
        if float(cosines.min()) < MIN_COSINE[precision]:
            raise OnnxExportError(f"ONNX-Export ({precision}) weicht zu stark vom Original ab: kleinster Kosinus "
                                  f"{cosines.min():.4f} < {MIN_COSINE[precision]}")
        manifest["min_cosine"] = round(float(cosines.min()), 6)
        manifest["seconds"] = round(time.perf_counter() - started, 1)
        manifest["files"] = {str(p.relative_to(staging)): sha256_file(p) for p in sorted(staging.rglob("*"))
                             if p.is_file() and p.name != MANIFEST}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)  # same file system: a half-written export is never "current"
    return manifest
