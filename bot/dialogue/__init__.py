"""Dialogue helpers without Rasa or HTTP: facets, answer texts, office hours."""
