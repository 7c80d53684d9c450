"""moderation: training examples per task, text and author (a flood is one example); a link on
notifications

Training examples gain the task they teach (spam / abuse), a hash of their normalised text,
the author, the rule and the moderator; `is_spam` becomes `label`. Existing rows are hashed
here, given their review item's author, and deduplicated (the latest row per task, text and
author wins) before the unique constraint is built. Their text is masked like new rows
(cards, IBANs and account numbers keep their kind and last four digits).

Notifications gain `url`: where a notice about something outside a thread (a review queue,
an appeal, a private follow-up) opens.

Revision ID: m3a9c4e7b210
Revises: t7c4e2a9b1d6
Create Date: 2026-12-10 10:00:00.000000

"""
import hashlib
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'm3a9c4e7b210'
down_revision = 't7c4e2a9b1d6'
branch_labels = None
depends_on = None

UNIQUE = 'uq_moderation_training_examples_task_text_author'


def _text_hash(text):
    """A frozen copy of moderation.learning.text_hash as it was when this ran."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return hashlib.sha256(re.sub(r"\s+", " ", folded).strip().encode("utf-8")).hexdigest()


def _backfill(bind):
    from moderation.engine.pii import mask_payment_numbers

    rows = bind.execute(sa.text(
        "SELECT e.id, e.text, i.author_id FROM moderation_training_examples e "
        "LEFT JOIN moderation_review_items i ON i.id = e.review_item_id ORDER BY e.id"
    )).all()
    latest = {}
    for row in rows:
        text = mask_payment_numbers(row.text or "")
        latest[(_text_hash(text), row.author_id)] = (row.id, text)
    keep = {row_id for row_id, _ in latest.values()}
    stale = [{"id": row.id} for row in rows if row.id not in keep]
    if stale:
        bind.execute(sa.text("DELETE FROM moderation_training_examples WHERE id = :id"), stale)
    changes = [{"id": row_id, "text": text, "hash": key[0], "author": key[1]}
               for key, (row_id, text) in latest.items()]
    if changes:
        bind.execute(sa.text(
            "UPDATE moderation_training_examples SET text = :text, text_hash = :hash, "
            "author_id = :author, decided_at = created_at WHERE id = :id"), changes)


def upgrade():
    with op.batch_alter_table('moderation_training_examples', schema=None) as batch_op:
        batch_op.alter_column('is_spam', new_column_name='label', existing_type=sa.Boolean(),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('task', sa.Enum('spam', 'abuse', name='trainingtask',
                                                      native_enum=False, length=20),
                                      nullable=False, server_default='spam'))
        batch_op.add_column(sa.Column('text_hash', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('author_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rule', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table('moderation_training_examples', schema=None) as batch_op:
        batch_op.alter_column('task', server_default=None, existing_nullable=False,
                              existing_type=sa.Enum('spam', 'abuse', name='trainingtask',
                                                    native_enum=False, length=20))
        batch_op.alter_column('text_hash', server_default=None, existing_nullable=False,
                              existing_type=sa.String(length=64))
        batch_op.alter_column('decided_at', nullable=False, existing_type=sa.DateTime())
        batch_op.create_foreign_key(
            batch_op.f('fk_moderation_training_examples_author_id_users'), 'users',
            ['author_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(
            batch_op.f('fk_moderation_training_examples_decided_by_id_users'), 'users',
            ['decided_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_unique_constraint(UNIQUE, ['task', 'text_hash', 'author_id'])

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('url')

    # Abuse labels had no place before this revision; spam labels keep their latest verdict.
    op.execute("DELETE FROM moderation_training_examples WHERE task = 'abuse'")
    with op.batch_alter_table('moderation_training_examples', schema=None) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_moderation_training_examples_decided_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_moderation_training_examples_author_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('rule')
        batch_op.drop_column('author_id')
        batch_op.drop_column('text_hash')
        batch_op.drop_column('task')
        batch_op.alter_column('label', new_column_name='is_spam', existing_type=sa.Boolean(),
                              existing_nullable=False)
