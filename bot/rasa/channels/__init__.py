"""Rasa input channels of Kommunalbot (loaded by Rasa from credentials.yml, in Rasa's own venv)."""
