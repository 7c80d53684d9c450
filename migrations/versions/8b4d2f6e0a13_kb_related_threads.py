"""knowledge base: each thread's kept related threads

Revision ID: 8b4d2f6e0a13
Revises: 4303c387aa18
Create Date: 2026-11-28 11:12:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b4d2f6e0a13'
down_revision = '4303c387aa18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_related',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('matches', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_kb_related_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', name=op.f('pk_kb_related'))
    )


def downgrade():
    op.drop_table('kb_related')
