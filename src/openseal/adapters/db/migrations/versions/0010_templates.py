"""document templates (issue 7): saved seal placements, seals and approval policy per organisation.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_templates',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('level', sa.String(length=6), nullable=False),
    sa.Column('qr', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.Text(), nullable=False),
    sa.Column('policy', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'name', name='uq_document_templates_name')
    )
    op.create_index(op.f('ix_document_templates_org_id'), 'document_templates', ['org_id'],
                    unique=False)
    with op.batch_alter_table('use_requests') as batch:
        batch.add_column(sa.Column('template_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('template_version', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('ticket_hours', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('use_requests') as batch:
        batch.drop_column('ticket_hours')
        batch.drop_column('template_version')
        batch.drop_column('template_id')
    op.drop_index(op.f('ix_document_templates_org_id'), table_name='document_templates')
    op.drop_table('document_templates')
