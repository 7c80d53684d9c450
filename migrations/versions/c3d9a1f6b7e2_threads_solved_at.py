"""forum: threads.solved_at, when a thread got its accepted answer

The insights dashboard (support/insights) measures resolution time as solved_at minus the
question's created_at. forum.services.answers sets it on accepting a first answer and clears
it when the answer is taken back. Threads solved before this migration keep NULL: nothing
recorded when they were accepted, and guessing would bias resolution times.

Revision ID: c3d9a1f6b7e2
Revises: a3c9e5f1b7d2
Create Date: 2026-12-04 19:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3d9a1f6b7e2'
down_revision = 'a3c9e5f1b7d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('solved_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('solved_at')
