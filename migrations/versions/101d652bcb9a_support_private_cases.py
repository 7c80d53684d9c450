"""support: private cases on moderation's private conversations

support_cases adds how a conversation was opened (customer, moved post, moved thread), by
whom, who closed it and its public summary post; support_case_posts lists the public posts
whose text moved into a case (they show a stub); support_case_reads keeps one last-read
marker per participant for unread counts.

Revision ID: 101d652bcb9a
Revises: n7e3c1a9d5b2
Create Date: 2026-12-04 19:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '101d652bcb9a'
down_revision = 'n7e3c1a9d5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'support_cases',
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('origin', sa.Enum('detected', 'customer', 'moved_post', 'moved_thread',
                                    name='caseorigin', native_enum=False, length=20),
                  nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('summary_post_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['moderation_private_conversations.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['summary_post_id'], ['posts.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('conversation_id'),
    )
    op.create_table(
        'support_case_posts',
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('moved_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['conversation_id'], ['moderation_private_conversations.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('post_id'),
    )
    op.create_index('ix_support_case_posts_conversation_id', 'support_case_posts',
                    ['conversation_id'], unique=False)
    op.create_index('ix_support_case_posts_thread_id', 'support_case_posts', ['thread_id'],
                    unique=False)
    op.create_table(
        'support_case_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_read_message_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['moderation_private_conversations.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('conversation_id', 'user_id',
                            name='uq_support_case_reads_conversation_user'),
    )
    op.create_index('ix_support_case_reads_user_id', 'support_case_reads', ['user_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_support_case_reads_user_id', table_name='support_case_reads')
    op.drop_table('support_case_reads')
    op.drop_index('ix_support_case_posts_thread_id', table_name='support_case_posts')
    op.drop_index('ix_support_case_posts_conversation_id', table_name='support_case_posts')
    op.drop_table('support_case_posts')
    op.drop_table('support_cases')
