"""forum: users.session_version, so logout, password changes, role changes and bans end sessions

Every session cookie and remember-me cookie carries "<user id>:<session_version>" (flask-login's
alternative id); the user loader refuses a stale version, so bumping the column ends every
session of that account at once. Existing rows start at 0; cookies issued before this revision
carry no version and are refused, so everyone signs in once more after the upgrade.

Revision ID: k7s3v9e1a2d5
Revises: w4d8b1c6e2f7
Create Date: 2026-12-04 17:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'k7s3v9e1a2d5'
down_revision = 'w4d8b1c6e2f7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
