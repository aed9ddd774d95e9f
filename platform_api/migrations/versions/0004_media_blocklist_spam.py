"""media blocklist: perceptual hashes moderators blocked (``media_blocks``)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 04:15:00
"""

from alembic import op
import sqlalchemy as sa
import platform_api.tables


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media_blocks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('phash', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=True),
    sa.Column('media_attachment_id', sa.BigInteger(), nullable=True),
    sa.Column('status_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', platform_api.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phash')
    )


def downgrade() -> None:
    op.drop_table('media_blocks')
