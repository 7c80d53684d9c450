"""forum: one covering index per thread-list tab; post numbers unique within a thread

Revision ID: 5e7a3c9d1b20
Revises: 8b4d2f6e0a13
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a3c9d1b20'
down_revision = '8b4d2f6e0a13'
branch_labels = None
depends_on = None

# Threads whose posts share a number (two replies raced before the unique index existed):
# their posts are renumbered 1..n in (number, id) order so that the index can be built.
RANKED = sa.text("""
SELECT id, number, ROW_NUMBER() OVER (PARTITION BY thread_id ORDER BY number, id) AS rn
FROM posts
WHERE thread_id IN (
    SELECT thread_id FROM posts GROUP BY thread_id, number HAVING COUNT(*) > 1
)
""")


def renumber_duplicates():
    bind = op.get_bind()
    # ranked first, written after: an UPDATE that ranks as it writes sees half-done numbers
    changes = [{"id": row.id, "rn": row.rn} for row in bind.execute(RANKED) if row.rn != row.number]
    if changes:
        bind.execute(sa.text("UPDATE posts SET number = :rn WHERE id = :id"), changes)


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_status_created')
        batch_op.drop_index('ix_threads_status_last_activity')
        batch_op.drop_index('ix_threads_category_last_activity')
        batch_op.create_index('ix_threads_status_created', ['status', 'created_at', 'id', 'accepted_post_id'], unique=False)
        batch_op.create_index('ix_threads_status_last_activity', ['status', 'last_activity_at', 'id'], unique=False)
        batch_op.create_index('ix_threads_status_unanswered', ['status', 'reply_count', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_threads_category_created', ['category_id', 'status', 'created_at', 'id', 'accepted_post_id'], unique=False)
        batch_op.create_index('ix_threads_category_last_activity', ['category_id', 'status', 'last_activity_at', 'id'], unique=False)

    renumber_duplicates()
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_thread_number')
        batch_op.create_index('uq_posts_thread_number', ['thread_id', 'number'], unique=True)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('uq_posts_thread_number')
        batch_op.create_index('ix_posts_thread_number', ['thread_id', 'number'], unique=False)

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_category_last_activity')
        batch_op.drop_index('ix_threads_category_created')
        batch_op.drop_index('ix_threads_status_unanswered')
        batch_op.drop_index('ix_threads_status_last_activity')
        batch_op.drop_index('ix_threads_status_created')
        batch_op.create_index('ix_threads_category_last_activity', ['category_id', 'last_activity_at'], unique=False)
        batch_op.create_index('ix_threads_status_last_activity', ['status', 'last_activity_at'], unique=False)
        batch_op.create_index('ix_threads_status_created', ['status', 'created_at'], unique=False)
