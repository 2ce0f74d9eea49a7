"""grants (issue 5): user_roles, seal_grants, grant_events; member becomes seal_user.

Existing behaviour is kept as visible, revocable grants: every former member (now
``seal_user``) could use every seal of the organisation, so each active seal gets a role
grant for ``seal_user`` (level use), and each API client holding ``documents:seal`` a
client grant on its organisation's active seals. Each has a ``create`` history entry.

Revision ID: 0005
Revises: 0004
"""
import json
import uuid
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

REASON = "迁移 0005：保留原有用印权限 / migration 0005: keeps the earlier right to use seals"


def upgrade() -> None:
    op.create_table('user_roles',
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'role')
    )
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_roles_role'), ['role'], unique=False)
    op.create_table('seal_grants',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('grantee_kind', sa.String(length=10), nullable=False),
    sa.Column('grantee', sa.String(length=36), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('approval_required', sa.Boolean(), nullable=False),
    sa.Column('categories', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('seal_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seal_grants_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seal_grants_seal_id'), ['seal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seal_grants_grantee'), ['grantee'], unique=False)
    op.create_table('grant_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grant_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('grantee_kind', sa.String(length=10), nullable=False),
    sa.Column('grantee', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['grant_id'], ['seal_grants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('grant_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_events_grant_id'), ['grant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_events_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_events_seal_id'), ['seal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_events_grantee'), ['grantee'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_events_at'), ['at'], unique=False)
    _rename_role('member', 'seal_user')
    op.execute("INSERT INTO user_roles (user_id, role) SELECT id, role FROM users")
    _keep_earlier_sealing_rights()


def _rename_role(old: str, new: str) -> None:
    for table in ('users', 'invitations'):
        op.execute(sa.text(f"UPDATE {table} SET role = :new WHERE role = :old")
                   .bindparams(old=old, new=new))


def _keep_earlier_sealing_rights() -> None:
    conn = op.get_bind()
    seals = conn.execute(sa.text(
        "SELECT id, org_id FROM seals WHERE status = 'active'")).all()
    clients = conn.execute(sa.text(
        "SELECT id, org_id, scopes FROM api_clients WHERE revoked_at IS NULL")).all()
    now = datetime.now(UTC)
    for seal_id, org_id in seals:
        _grant(seal_id, org_id, 'role', 'seal_user', now)
        for client_id, client_org, scopes in clients:
            if client_org == org_id and 'documents:seal' in scopes.split():
                _grant(seal_id, org_id, 'client', client_id, now)


def _grant(seal_id: str, org_id: str, kind: str, grantee: str, now: datetime) -> None:
    grants = sa.table('seal_grants', *(sa.column(c) for c in (
        'id', 'org_id', 'seal_id', 'grantee_kind', 'grantee', 'level', 'approval_required',
        'categories', 'uses', 'status', 'created_by')),
        sa.column('valid_from', sa.DateTime(timezone=True)),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)))
    events = sa.table('grant_events', *(sa.column(c) for c in (
        'id', 'grant_id', 'org_id', 'seal_id', 'grantee_kind', 'grantee', 'action', 'reason',
        'actor', 'after')), sa.column('at', sa.DateTime(timezone=True)))
    grant_id = str(uuid.uuid4())
    op.execute(grants.insert().values(
        id=grant_id, org_id=org_id, seal_id=seal_id, grantee_kind=kind, grantee=grantee,
        level='use', approval_required=False, categories='[]', uses=0, status='active',
        created_by='migration:0005', valid_from=now, created_at=now, updated_at=now))
    after = {"level": "use", "approval_required": False, "categories": [],
             "valid_from": now.isoformat(), "valid_until": None, "max_uses": None, "uses": 0,
             "status": "active"}
    op.execute(events.insert().values(
        id=str(uuid.uuid4()), grant_id=grant_id, org_id=org_id, seal_id=seal_id,
        grantee_kind=kind, grantee=grantee, action='create', reason=REASON,
        actor='migration:0005', after=json.dumps(after), at=now))


def downgrade() -> None:
    with op.batch_alter_table('grant_events', schema=None) as batch_op:
        for name in ('at', 'grantee', 'seal_id', 'org_id', 'grant_id'):
            batch_op.drop_index(batch_op.f(f'ix_grant_events_{name}'))
    op.drop_table('grant_events')
    with op.batch_alter_table('seal_grants', schema=None) as batch_op:
        for name in ('grantee', 'seal_id', 'org_id'):
            batch_op.drop_index(batch_op.f(f'ix_seal_grants_{name}'))
    op.drop_table('seal_grants')
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_roles_role'))
    op.drop_table('user_roles')
    # Roles that did not exist before: their holders become members (the nearest).
    for role in ('seal_user', 'custodian', 'approver', 'auditor'):
        _rename_role(role, 'member')
