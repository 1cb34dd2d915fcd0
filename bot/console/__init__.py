"""Staff console: login, queues, taking over conversations, users, knowledge-base status."""
