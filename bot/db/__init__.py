"""The conversation store: SQLAlchemy 2 models, sessions and all queries; Alembic migrations."""
