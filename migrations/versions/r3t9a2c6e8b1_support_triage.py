"""support triage: per-category response targets, thread assignments, their log, and the
due-soon warnings already sent

Revision ID: r3t9a2c6e8b1
Revises: c3d9a1f6b7e2
Create Date: 2026-12-04 20:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'r3t9a2c6e8b1'
down_revision = 'c3d9a1f6b7e2'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    op.create_table(
        'triage_category_targets',
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('first_response_minutes', sa.Integer(), nullable=True),
        sa.Column('resolution_minutes', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('category_id'),
    )
    op.create_table(
        'triage_assignments',
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('thread_id'),
    )
    op.create_index('ix_triage_assignments_assignee_id', 'triage_assignments',
                    ['assignee_id'], unique=False)
    op.create_table(
        'triage_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('kind', _enum('eventkind', 'assigned', 'reassigned', 'unassigned'),
                  nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('from_user_id', sa.Integer(), nullable=True),
        sa.Column('to_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['from_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_triage_events_thread', 'triage_events', ['thread_id', 'created_at'],
                    unique=False)
    op.create_table(
        'triage_due_warnings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('target', _enum('targetkind', 'first_response', 'resolution'),
                  nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('thread_id', 'target', name='uq_triage_due_warnings_thread_target'),
    )


def downgrade():
    op.drop_table('triage_due_warnings')
    op.drop_index('ix_triage_events_thread', table_name='triage_events')
    op.drop_table('triage_events')
    op.drop_index('ix_triage_assignments_assignee_id', table_name='triage_assignments')
    op.drop_table('triage_assignments')
    op.drop_table('triage_category_targets')
