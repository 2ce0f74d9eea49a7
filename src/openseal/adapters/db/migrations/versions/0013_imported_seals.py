"""Seals made elsewhere (issue 9, item 4): seals.origin ("platform" | "imported"), the seal
maker's subject (seals.maker) of an imported GB/T 38540 seal or the issuing CA's of an
imported PKCS#12, and seals.es_id widened to 64 characters (other makers' esIDs are not
always 14 digits: ofdrw's are 32 hex digits).

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=20), nullable=False,
                                      server_default='platform'))
        batch_op.add_column(sa.Column('maker', sa.Text(), nullable=True))
    _es_id_length(64, 14)


def downgrade() -> None:
    _es_id_length(14, 64)
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.drop_column('maker')
        batch_op.drop_column('origin')


def _es_id_length(new: int, old: int) -> None:
    """SQLite does not enforce VARCHAR lengths, and changing a column there would copy the
    seals table, which other tables reference: only other databases change the type."""
    if op.get_bind().dialect.name == 'sqlite':
        return
    op.alter_column('seals', 'es_id', existing_type=sa.String(length=old),
                    type_=sa.String(length=new), existing_nullable=True)
