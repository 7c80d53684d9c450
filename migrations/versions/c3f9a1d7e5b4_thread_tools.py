"""support tools: thread locks, tags, internal notes, saved replies and the tools' log

threads gains locked_at / locked_reason / locked_rule / locked_by_id (forum.permissions
refuses replies to a locked thread); tags and thread_tags hold the staff-managed tags the
forum lists, filters and searches by; support_thread_notes (staff-only notes),
support_saved_replies and support_tool_events (locks and reopenings) belong to
support/tools.

Revision ID: c3f9a1d7e5b4
Revises: r3t9a2c6e8b1
Create Date: 2026-12-04 19:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3f9a1d7e5b4'
down_revision = 'r3t9a2c6e8b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('locked_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('locked_rule', sa.String(length=40), nullable=True))
        # the key inline: SQLite adds it with the column (no table rebuild)
        batch_op.add_column(sa.Column(
            'locked_by_id', sa.Integer(),
            sa.ForeignKey('users.id', name='fk_threads_locked_by_id_users', ondelete='SET NULL'),
            nullable=True))
    op.create_table(
        'tags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('slug', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
        sa.UniqueConstraint('slug'),
    )
    op.create_table(
        'thread_tags',
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tag_id', 'thread_id'),
    )
    op.create_index('ix_thread_tags_thread', 'thread_tags', ['thread_id'], unique=False)
    op.create_table(
        'support_thread_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body_source', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('edited_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_support_thread_notes_thread_id', 'support_thread_notes', ['thread_id'],
                    unique=False)
    op.create_table(
        'support_saved_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('title'),
    )
    op.create_table(
        'support_tool_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.Enum('locked', 'reopened', name='toolaction',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('rule_code', sa.String(length=40), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_support_tool_events_thread_id', 'support_tool_events', ['thread_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_support_tool_events_thread_id', table_name='support_tool_events')
    op.drop_table('support_tool_events')
    op.drop_table('support_saved_replies')
    op.drop_index('ix_support_thread_notes_thread_id', table_name='support_thread_notes')
    op.drop_table('support_thread_notes')
    op.drop_index('ix_thread_tags_thread', table_name='thread_tags')
    op.drop_table('thread_tags')
    op.drop_table('tags')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_constraint('fk_threads_locked_by_id_users', type_='foreignkey')
        batch_op.drop_column('locked_by_id')
        batch_op.drop_column('locked_rule')
        batch_op.drop_column('locked_reason')
        batch_op.drop_column('locked_at')
