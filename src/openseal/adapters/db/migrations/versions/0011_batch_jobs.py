"""batch sealing jobs (issue 7): a job and its documents, run by the server.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('batch_jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('creator_kind', sa.String(length=10), nullable=False),
    sa.Column('creator_id', sa.String(length=36), nullable=False),
    sa.Column('creator_name', sa.String(length=200), nullable=False),
    sa.Column('options', sa.Text(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('batch_jobs', ('created_at', 'creator_id', 'org_id', 'seal_id'))
    op.create_table('batch_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('input_sha256', sa.String(length=64), nullable=False),
    sa.Column('input_size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claim', sa.String(length=36), nullable=True),
    sa.Column('claimed_at', TZ, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('output_sha256', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', TZ, nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batch_jobs.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['sealed_documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'idx', name='uq_batch_items_index')
    )
    _indexes('batch_items', ('batch_id', 'status'))


def _indexes(table: str, columns: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{name}'), [name], unique=False)


def downgrade() -> None:
    for table in ('batch_items', 'batch_jobs'):
        op.drop_table(table)
