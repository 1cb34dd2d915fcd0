"""The embedding model: fetched offline and verified (store), run (embedder), exported to ONNX."""
