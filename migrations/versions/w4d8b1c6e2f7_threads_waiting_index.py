"""forum: a partial index of the questions still waiting for a first answer

The unanswered tab, the staff desk's queue and the overdue count now share one predicate
(forum.models.Thread.awaiting_first_answer: published, no first reply, not closed, no canonical
answer). ix_threads_status_unanswered (status, reply_count, created_at, id) cannot serve it, so
it is replaced by ix_threads_waiting on (status, created_at, id, category_id), holding only the
rows with no first reply, not closed and no canonical answer: small, and walked in order.

Revision ID: w4d8b1c6e2f7
Revises: s4f1a7c9e2b3
Create Date: 2026-12-04 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'w4d8b1c6e2f7'
down_revision = 's4f1a7c9e2b3'
branch_labels = None
depends_on = None

WAITING = sa.text("first_reply_at IS NULL AND closed_at IS NULL AND canonical_kind IS NULL")


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_status_unanswered')
        batch_op.create_index('ix_threads_waiting', ['status', 'created_at', 'id', 'category_id'],
                              unique=False, sqlite_where=WAITING, postgresql_where=WAITING)


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_waiting')
        batch_op.create_index('ix_threads_status_unanswered',
                              ['status', 'reply_count', 'created_at', 'id'], unique=False)
