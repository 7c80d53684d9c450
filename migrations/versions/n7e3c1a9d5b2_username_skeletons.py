"""forum: username skeletons, so that lookalikes of a taken name cannot register

users.username_skeleton holds forum.names.skeleton(username): case, separators, accents,
confusable letters and digit lookalikes folded (`sam.`, `sam_`, `s4m` and `Sam` share
"sam"). Registration refuses a name whose skeleton is taken. Existing rows are filled here;
accounts that already collide keep their names (the index is not unique).

Revision ID: n7e3c1a9d5b2
Revises: k7s3v9e1a2d5
Create Date: 2026-12-04 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from forum.names import skeleton


# revision identifiers, used by Alembic.
revision = 'n7e3c1a9d5b2'
down_revision = 'k7s3v9e1a2d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_skeleton', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_users_username_skeleton', ['username_skeleton'], unique=False)
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String),
                     sa.column('username_skeleton', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.username)).all()
    for user_id, username in rows:
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(username_skeleton=skeleton(username)[:64]))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_username_skeleton')
        batch_op.drop_column('username_skeleton')
