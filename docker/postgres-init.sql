-- Rasa keeps its tracker store in a database of its own.
CREATE DATABASE rasa OWNER kommunalbot;
