"""approvals (issue 5): approval_policies, use_requests, approval_decisions, seal_tickets.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('approval_policies',
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.Column('always_required', sa.Boolean(), nullable=False),
    sa.Column('request_hours', sa.Integer(), nullable=False),
    sa.Column('ticket_hours', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('seal_id')
    )
    _indexes('approval_policies', ('org_id',))
    op.create_table('use_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('requester_kind', sa.String(length=10), nullable=False),
    sa.Column('requester_id', sa.String(length=36), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('documents', sa.Text(), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.Column('step_started_at', TZ, nullable=False),
    sa.Column('expires_at', TZ, nullable=False),
    sa.Column('decided_at', TZ, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('use_requests', ('created_at', 'org_id', 'requester_id', 'seal_id', 'status'))
    op.create_table('approval_decisions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.String(length=36), nullable=False),
    sa.Column('approver_name', sa.String(length=200), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', TZ, nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['use_requests.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id', 'approver_id', name='uq_approval_decisions_once')
    )
    _indexes('approval_decisions', ('approver_id', 'org_id', 'request_id'))
    op.create_table('seal_tickets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('requester_kind', sa.String(length=10), nullable=False),
    sa.Column('requester_id', sa.String(length=36), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('chain', sa.Text(), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.Column('expires_at', TZ, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('used_at', TZ, nullable=True),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['use_requests.id'], ),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('seal_tickets', ('org_id', 'request_id', 'requester_id', 'seal_id'))


def _indexes(table: str, columns: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{name}'), [name], unique=False)


def downgrade() -> None:
    for table in ('seal_tickets', 'approval_decisions', 'use_requests', 'approval_policies'):
        op.drop_table(table)
