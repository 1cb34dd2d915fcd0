"""Handing a conversation to staff: where handoffs are recorded, and the callback contact."""
