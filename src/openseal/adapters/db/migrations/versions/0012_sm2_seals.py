"""SM2 seals (issue 9): seals.algorithm ("ecdsa" | "sm2"), the seal's GB/T 38540 SES_Seal
(seals.esl) and its esID (seals.es_id, unique); the instance's SM2 roots and seal makers.

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INSTANCE_COLUMNS = ('sm2_root_cert_id', 'sm2_maker_cert_id', 'sm2_test_root_cert_id',
                    'sm2_test_maker_cert_id')


def upgrade() -> None:
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('algorithm', sa.String(length=10), nullable=False,
                                      server_default='ecdsa'))
        batch_op.add_column(sa.Column('esl', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('es_id', sa.String(length=14), nullable=True))
        batch_op.create_index(batch_op.f('ix_seals_es_id'), ['es_id'], unique=True)
    with op.batch_alter_table('instance', schema=None) as batch_op:
        for name in INSTANCE_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instance', schema=None) as batch_op:
        for name in INSTANCE_COLUMNS:
            batch_op.drop_column(name)
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seals_es_id'))
        batch_op.drop_column('es_id')
        batch_op.drop_column('esl')
        batch_op.drop_column('algorithm')
