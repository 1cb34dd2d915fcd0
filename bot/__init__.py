"""Kommunalbot: the chat service (dialogue, API, staff console) on top of ``retrieval``."""
