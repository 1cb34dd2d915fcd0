"""The search index: built from the knowledge base (build), stored atomically per build (store)."""
