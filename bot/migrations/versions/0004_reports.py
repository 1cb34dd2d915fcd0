"""dashboard and content gaps (bot/reports/)

``report_days`` keeps each finished day's figures (counts only) beyond the retention period;
``gap_reviews`` keeps which groups of unanswered questions an editor handled, ``question_vectors``
the search vectors of those questions, computed once. Indexes on the
timestamps the reports select by.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "metric", "key", name=op.f("pk_report_days")),
    )
    op.create_table(
        "gap_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("handled_by", sa.String(120), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kb_build", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gap_reviews")),
    )
    op.create_table(
        "question_vectors",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_question_vectors_message_id_messages"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_question_vectors")),
    )
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    op.create_index("ix_conversations_created_at", "conversations", ["created_at"])
    op.create_index("ix_conversations_closed_at", "conversations", ["closed_at"])
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_created_at", "feedback")
    op.drop_index("ix_conversations_closed_at", "conversations")
    op.drop_index("ix_conversations_created_at", "conversations")
    op.drop_index("ix_messages_created_at", "messages")
    op.drop_table("question_vectors")
    op.drop_table("gap_reviews")
    op.drop_table("report_days")
