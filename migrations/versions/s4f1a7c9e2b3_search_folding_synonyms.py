"""search: rows remember the word folding they were built with; staff synonym groups; the
search log remembers whether a help article was found

`search_documents.analysis` is the forum.search.analysis VERSION that folded the row's text
(existing rows: 1, built before folding; `flask search sync` rebuilds them). `search_synonyms`
holds the groups staff edit at /staff/synonyms. `kb_search_log.found_article` keeps a search
that found a published help article out of the search-gaps report.

Revision ID: s4f1a7c9e2b3
Revises: m3a9c4e7b210
Create Date: 2026-12-04 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 's4f1a7c9e2b3'
down_revision = 'm3a9c4e7b210'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents') as batch_op:
        batch_op.add_column(sa.Column('analysis', sa.SmallInteger(), nullable=False,
                                      server_default='1'))
    op.create_table(
        'search_synonyms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('terms', sa.String(length=600), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_search_synonyms_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms')),
    )
    with op.batch_alter_table('kb_search_log') as batch_op:
        batch_op.add_column(sa.Column('found_article', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('kb_search_log') as batch_op:
        batch_op.drop_column('found_article')
    op.drop_table('search_synonyms')
    with op.batch_alter_table('search_documents') as batch_op:
        batch_op.drop_column('analysis')
