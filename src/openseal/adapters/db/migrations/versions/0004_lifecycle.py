"""lifecycle (issue 5): seal status reasons, certificate revocation reasons, the CRLs each
CA issued, and the certificates a renewal replaced.

Existing certificates get no reason (none was ever revoked); existing seals keep their status.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revocation_reason', sa.String(length=32), nullable=True))
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table('crls',
    sa.Column('issuer_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('this_update', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_update', sa.DateTime(timezone=True), nullable=False),
    sa.Column('der', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['certificates.id'], ),
    sa.PrimaryKeyConstraint('issuer_id', 'number')
    )
    op.create_table('seal_certificates',
    sa.Column('cert_id', sa.String(length=36), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('key_id', sa.String(length=100), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cert_id'], ['certificates.id'], ),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('cert_id')
    )
    with op.batch_alter_table('seal_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seal_certificates_seal_id'), ['seal_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seal_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seal_certificates_seal_id'))
    op.drop_table('seal_certificates')
    op.drop_table('crls')
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status_reason')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('revocation_reason')
