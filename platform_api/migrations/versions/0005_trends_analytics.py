"""trends and analytics tables written by the Spark jobs (agora pipeline trends / analytics)

Revision ID: 0005
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import platform_api.tables


revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trending_tags',
    sa.Column('rank', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('uses_1h', sa.Integer(), nullable=False),
    sa.Column('uses_6h', sa.Integer(), nullable=False),
    sa.Column('accounts_6h', sa.Integer(), nullable=False),
    sa.Column('baseline_hourly', sa.Float(), nullable=False),
    sa.Column('history', sa.Text(), nullable=False),
    sa.Column('as_of', platform_api.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('rank')
    )
    op.create_table('trending_statuses',
    sa.Column('rank', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('status_id', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('engagements_1h', sa.Integer(), nullable=False),
    sa.Column('engagements_6h', sa.Integer(), nullable=False),
    sa.Column('baseline_hourly', sa.Float(), nullable=False),
    sa.Column('as_of', platform_api.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('rank')
    )
    op.create_table('status_engagement_hourly',
    sa.Column('status_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hour', platform_api.tables.UTCDateTime(), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=True),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('reposts', sa.Integer(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status_id', 'hour')
    )
    op.create_index('ix_status_engagement_hourly_hour', 'status_engagement_hourly', ['hour'], unique=False)
    op.create_table('creator_summaries',
    sa.Column('author_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('posts_engaged', sa.Integer(), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('reposts', sa.Integer(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('engagement_rate', sa.Float(), nullable=True),
    sa.Column('last_hour', platform_api.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('author_id')
    )


def downgrade() -> None:
    op.drop_table('creator_summaries')
    op.drop_table('status_engagement_hourly')
    op.drop_table('trending_statuses')
    op.drop_table('trending_tags')
