"""ONNX export of the embedding model: export, verification, integrity, choice of runtime.

Export mechanics run on a tiny sentence-transformers model built here from a random BERT (any
model must be one setting away); the real default model's export (made by scripts/setup) is
checked against PyTorch on citizens' questions.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from retrieval.model.embedder import OnnxEmbedder, load_embedder, planned_runtime
from retrieval.model.onnx_export import (
    OnnxExportError,
    OnnxSentenceEncoder,
    _ffn_output_projections,
    _fuse_operators,
    export_onnx,
    is_current,
    onnx_dir,
    read_manifest,
    runtime_label,
    verify_files,
)
from retrieval.settings import RetrievalSettings

WORDS = ("was kostet ein perso personalausweis wo kann ich mein auto ummelden termin bürgerbüro "
         "hund steuer anmelden sperrmüll öffnungszeiten standesamt samstag frage text title none").split()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer BERT with random weights, saved as a sentence-transformers model with prompts."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny")
    vocab = root / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ":", "|", *WORDS]), encoding="utf-8")
    hf = root / "hf"
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(WORDS) + 7, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=128, max_position_embeddings=64)).save_pretrained(hf)
    BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True).save_pretrained(hf)
    transformer = models.Transformer(str(hf), max_seq_length=64)
    st = SentenceTransformer(modules=[transformer, models.Pooling(32, "mean"), models.Dense(32, 16), models.Normalize()],
                             prompts={"query": "frage: ", "document": "text: "})
    st.save(str(root / "st"))
    return root / "st"


@pytest.fixture(scope="module")
def tiny_export(tiny_model, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("cache") / "onnx" / "tiny-float32"
    return out, export_onnx(str(tiny_model), out, "float32")


def test_export_reproduces_the_pytorch_model(tiny_model, tiny_export):
    from sentence_transformers import SentenceTransformer

    folder, manifest = tiny_export
    assert manifest["min_cosine"] >= 0.9999 and manifest["dim"] == 16
    assert manifest["prompts"]["query"] == "frage: "
    # The exporter's op-by-op GELU (Erf, Mul, Add) is fused into one operator.
    import onnx

    ops = {n.op_type for n in onnx.load(str(folder / "model.onnx"), load_external_data=False).graph.node}
    assert "Erf" not in ops and ops & {"Gelu", "BiasGelu", "FastGelu"}
    embedder = OnnxEmbedder("tiny", folder)
    reference = SentenceTransformer(str(tiny_model), device="cpu")
    queries = ["was kostet ein perso", "hund anmelden"]
    expected = reference.encode(queries, prompt_name="query", normalize_embeddings=True)
    got = embedder.encode_queries(queries)
    assert got.shape == (2, 16)
    assert np.allclose(got, expected, atol=1e-4)
    # Passages in batches of mixed length (padding must not change a passage's vector).
    docs = embedder.encode_documents([("Hundesteuer", "hund steuer anmelden " * 5), ("Perso", "was kostet ein perso")])
    single = embedder.encode_documents([("Perso", "was kostet ein perso")])
    assert np.allclose(docs[1], single[0], atol=1e-5)
    # Each run on one core (no worker threads of ONNX Runtime's own to spin beside Rasa and the
    # web server); the cores run texts side by side instead.
    assert embedder.encoder.session.get_session_options().intra_op_num_threads == 1
    # Many questions at once (Rasa's training batches) go through in batches, in input order.
    embedder.batch_size = 4
    many = [" ".join(WORDS[i : i + 1 + i % 7]) for i in range(len(WORDS))]
    together = embedder.encode_queries(many)
    assert np.allclose(together, np.vstack([embedder.encode_queries([q]) for q in many]), atol=1e-5)
    # Several runs side by side (chat messages arrive concurrently): every caller gets exactly
    # the vector a lone caller gets.
    with ThreadPoolExecutor(4) as callers:
        concurrent = list(callers.map(lambda q: embedder.encode_queries([q])[0], many))
    assert np.array_equal(np.vstack(concurrent), together)


def test_export_is_current_until_the_source_changes(tiny_model, tiny_export, tmp_path):
    folder, _ = tiny_export
    assert is_current(folder, str(tiny_model))
    assert not is_current(tmp_path / "nothing", str(tiny_model))
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in Path(tiny_model).rglob("*"):
        target = changed / path.relative_to(tiny_model)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes() + (b" " if path.name == "config.json" else b""))
    assert not is_current(folder, str(changed))


def test_tampered_export_is_refused(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"graph")
    from retrieval.model.store import sha256_file

    manifest = {"files": {"model.onnx": sha256_file(folder / "model.onnx")}}
    verify_files(folder, manifest)
    (folder / "model.onnx").write_bytes(b"graph, changed")
    with pytest.raises(OnnxExportError, match="model.onnx"):
        verify_files(folder, manifest)
    (folder / "model.onnx").unlink()
    with pytest.raises(OnnxExportError, match="fehlt"):
        verify_files(folder, manifest)


@pytest.mark.parametrize("vnni", [False, True])
def test_int8_keeps_the_feed_forward_output_in_float(tiny_model, tmp_path, monkeypatch, vnni):
    """8-bit weights everywhere but the feed-forward output projection; still close to PyTorch.
    Signed weights only where the CPU has VNNI; elsewhere they would saturate."""
    import onnx

    import retrieval.model.onnx_export as onnx_model

    monkeypatch.setattr(onnx_model, "cpu_has_vnni", lambda: vnni)
    out = tmp_path / "tiny-int8"
    manifest = export_onnx(str(tiny_model), out, "int8")
    assert manifest["precision"] == "int8" and manifest["min_cosine"] >= 0.99
    graph = onnx.load(str(out / "model.onnx"), load_external_data=False).graph
    quantised = [n for n in graph.node if n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul")]
    float_matmuls = [n for n in graph.node if n.op_type == "MatMul"]
    # 2 layers x (q, k, v, attention output, feed-forward in) are quantised; the 2 feed-forward outputs are not.
    assert len(quantised) == 10
    shapes = {i.name: list(i.dims) for i in graph.initializer}
    float_weights = [shapes[n.input[1]] for n in float_matmuls if n.input[1] in shapes]
    assert float_weights.count([128, 32]) == 2
    # Signed weights saturate in ONNX Runtime's integer kernels on CPUs without VNNI.
    weight_types = {i.name: i.data_type for i in graph.initializer}
    expected = onnx.TensorProto.INT8 if vnni else onnx.TensorProto.UINT8
    assert {weight_types[n.input[1]] for n in quantised} == {expected}
    assert manifest["signed_weights"] is vnni
    assert is_current(out, str(tiny_model))
    # The cache moved to a CPU without VNNI: a signed export is stale there, an unsigned one is not.
    monkeypatch.setattr(onnx_model, "cpu_has_vnni", lambda: False)
    assert is_current(out, str(tiny_model)) is not vnni
    # The index tells this export's vectors apart from the float32 export's.
    label = runtime_label(manifest)
    assert label.startswith("onnx-int8@") and label == OnnxEmbedder("tiny", out).runtime
    # Activations are quantised per run, so each text runs alone: its vector does not depend on
    # what else is in the batch.
    encoder = OnnxSentenceEncoder(out)
    alone = encoder.encode(["was kostet ein perso"])[0]
    in_batch = encoder.encode(["hund steuer anmelden " * 8, "was kostet ein perso", "termin"])[1]
    assert np.array_equal(alone, in_batch)
    assert not np.array_equal(encoder._run(["hund steuer anmelden " * 8, "was kostet ein perso"])[1], alone)


def test_ffn_output_projections_are_found_by_shape():
    from onnx import TensorProto, helper, numpy_helper

    up = numpy_helper.from_array(np.zeros((8, 32), np.float32), "up_w")
    down = numpy_helper.from_array(np.zeros((32, 8), np.float32), "down_w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "up_w"], ["h"], name="up"),
         helper.make_node("MatMul", ["h", "down_w"], ["y"], name="down")],
        "ffn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], [up, down])
    assert _ffn_output_projections(helper.make_model(graph)) == {"down"}


def test_rms_norm_spelled_out_by_the_exporter_becomes_one_operator(tmp_path):
    """Gemma's RMSNorm as torch.onnx writes it (x * 1/sqrt(mean(x²) + eps) * w) is fused into one
    SimplifiedLayerNormalization, with the same output."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = rng.normal(size=8).astype(np.float32)
    nodes = [
        helper.make_node("Pow", ["x", "two"], ["sq"]),
        helper.make_node("ReduceMean", ["sq", "axes"], ["mean"], keepdims=1),
        helper.make_node("Add", ["mean", "eps"], ["var"]),
        helper.make_node("Sqrt", ["var"], ["rms"]),
        helper.make_node("Reciprocal", ["rms"], ["inv"]),
        helper.make_node("Mul", ["x", "inv"], ["normed"]),
        helper.make_node("Mul", ["normed", "w"], ["y"]),
    ]
    constants = [numpy_helper.from_array(np.array(2.0, np.float32), "two"),
                 numpy_helper.from_array(np.array([-1], np.int64), "axes"),
                 numpy_helper.from_array(np.array(1e-6, np.float32), "eps"),
                 numpy_helper.from_array(weight, "w")]
    graph = helper.make_graph(nodes, "rmsnorm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 8])], constants)
    source, target = tmp_path / "norm.onnx", tmp_path / "fused.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(source))
    _fuse_operators(source, target)
    ops = [n.op_type for n in onnx.load(str(target)).graph.node]
    assert ops == ["SimplifiedLayerNormalization"]
    x = rng.normal(size=(3, 8)).astype(np.float32)
    fused = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    expected = x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-6) * weight
    assert np.allclose(fused, expected, atol=1e-5)


def test_runtime_choice(tiny_model, tiny_export, tmp_path):
    folder, _ = tiny_export
    cache = folder.parent.parent
    settings = RetrievalSettings(embedding_model=str(tiny_model), model_cache_dir=cache, embedding_runtime="onnx-float32")
    assert onnx_dir(cache, str(tiny_model), "float32") != folder  # named by the model setting
    # The fixture's folder is not where the setting looks: an explicit ONNX runtime then refuses.
    with pytest.raises(FileNotFoundError, match="model export"):
        load_embedder(settings)
    # "auto" falls back to PyTorch when there is no export ...
    assert planned_runtime(settings.model_copy(update={"embedding_runtime": "auto"})).startswith("torch-")
    # ... and takes the export where the setting looks for it.
    target = onnx_dir(cache, str(tiny_model), "float32")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(folder)
    embedder = load_embedder(settings)
    assert embedder.runtime == runtime_label(read_manifest(folder)) and embedder.dim == 16
    assert embedder.runtime.startswith("onnx-float32@")
    three = load_embedder(settings.model_copy(update={"embedding_threads": 3})).encoder
    assert three.threads == three._runs._max_workers == 3  # three texts side by side, one core each
    torch_embedder = load_embedder(settings.model_copy(update={"embedding_runtime": "torch", "embedding_dtype": "float32"}))
    assert torch_embedder.runtime == "torch-float32"
    query = ["wo kann ich mein auto ummelden"]
    assert float(embedder.encode_queries(query)[0] @ torch_embedder.encode_queries(query)[0]) > 0.9999


@pytest.mark.model
def test_default_model_runs_on_its_verified_onnx_export(real_embedder):
    """scripts/setup exports the default model; the product then runs it in ONNX Runtime, 8 bit."""
    from retrieval.model.embedder import SentenceTransformerEmbedder
    from retrieval.model.store import resolve_model_path

    assert real_embedder.runtime.startswith("onnx-int8@")
    manifest = json.loads((real_embedder.encoder.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["min_cosine"] >= 0.99
    reference = SentenceTransformerEmbedder("ref", resolve_model_path(RetrievalSettings()), dtype="float32")
    questions = ["Was kostet ein Perso?", "Wo kann ich meinen grauen Lappen umtauschen?", "Sperrmüll anmelden"]
    cosines = (real_embedder.encode_queries(questions) * reference.encode_queries(questions)).sum(axis=1)
    assert cosines.min() >= 0.98
