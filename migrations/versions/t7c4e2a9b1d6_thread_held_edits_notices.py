"""forum: held edits wait as pending revisions; threads remember being published; posts say
when private details were removed (a notice beside the post, not text in its source)

Revision ID: t7c4e2a9b1d6
Revises: 5e7a3c9d1b20
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 't7c4e2a9b1d6'
down_revision = '5e7a3c9d1b20'
branch_labels = None
depends_on = None

# A thread with a reply was public once (nobody can reply to a thread that never was).
BACKFILL = sa.text("""
UPDATE threads SET published_at = created_at
WHERE published_at IS NULL AND (
    status = 'published'
    OR EXISTS (SELECT 1 FROM posts WHERE posts.thread_id = threads.id AND posts.number > 1)
)
""")


def upgrade():
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('applied', 'pending', 'rejected', name='revisionstatus', native_enum=False, length=20), server_default='applied', nullable=False))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_removed', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
    op.get_bind().execute(BACKFILL)


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('published_at')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('details_removed')
    # pending and rejected proposals were never part of a post's history
    op.execute("DELETE FROM post_revisions WHERE status != 'applied'")
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.drop_column('status')
