"""pending_distributions: the durable fan-out queue (statuses committed, not yet in home feeds)

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa
import platform_api.tables


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_distributions',
    sa.Column('status_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('created_at', platform_api.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('status_id')
    )


def downgrade() -> None:
    op.drop_table('pending_distributions')
