"""merge the revisions written side by side (moderation policy, media blocklist + spam, trends +
analytics) into one head

Revision ID: 0007
Revises: 0003, 0004, 0005
"""

revision = "0007"
down_revision = ("0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
