"""The citizen's language: which one a message is in, and the bot's own texts in it."""
