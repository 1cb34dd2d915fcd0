"""The public chat API for the widget."""
