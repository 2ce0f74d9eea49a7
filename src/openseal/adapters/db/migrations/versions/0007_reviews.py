"""reviews (issue 5): permission review campaigns (权限审核): review_campaigns, review_items,
review_schedules.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('review_campaigns',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=True),
    sa.Column('started_by', sa.String(length=200), nullable=False),
    sa.Column('started_at', TZ, nullable=False),
    sa.Column('due_at', TZ, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('closed_by', sa.String(length=200), nullable=True),
    sa.Column('closed_at', TZ, nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('review_campaigns', ('due_at', 'org_id', 'seal_id', 'started_at', 'status'))
    op.create_table('review_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('grant_id', sa.String(length=36), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('grantee_kind', sa.String(length=10), nullable=False),
    sa.Column('grantee', sa.String(length=36), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.String(length=36), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', TZ, nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['review_campaigns.id'], ),
    sa.ForeignKeyConstraint(['grant_id'], ['seal_grants.id'], ),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'grant_id', name='uq_review_items_grant')
    )
    _indexes('review_items', ('campaign_id', 'decision', 'grant_id', 'org_id', 'reviewer_id',
                              'seal_id'))
    op.create_table('review_schedules',
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('org_id')
    )


def _indexes(table: str, columns: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{name}'), [name], unique=False)


def downgrade() -> None:
    for table in ('review_schedules', 'review_items', 'review_campaigns'):
        op.drop_table(table)
