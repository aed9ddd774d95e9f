"""moderation policy: the rule, action, model and time of each post's moderation verdict,
and an index on ``moderation_state`` (the pending posts are the asynchronous queue)

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 03:40:00
"""

from alembic import op
import sqlalchemy as sa
import platform_api.tables


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation_rule', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('moderation_action', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('moderation_model', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('moderated_at', platform_api.tables.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_statuses_moderation_state', ['moderation_state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_statuses_moderation_state')
        batch_op.drop_column('moderated_at')
        batch_op.drop_column('moderation_model')
        batch_op.drop_column('moderation_action')
        batch_op.drop_column('moderation_rule')
