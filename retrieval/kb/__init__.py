"""The knowledge base: its page and office format, the checks (`kb check`) and the importers."""
