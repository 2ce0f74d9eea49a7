"""registry (issue 6): sealed_documents.ticket_id, the approval ticket a document was sealed
with (the registry of issued documents shows it).

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sealed_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sealed_documents', schema=None) as batch_op:
        batch_op.drop_column('ticket_id')
