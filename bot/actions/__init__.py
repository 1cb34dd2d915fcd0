"""Rasa custom actions, served by the chat service (Rasa's action-server webhook protocol)."""
