"""Custom Rasa components (loaded by Rasa from its own environment)."""
