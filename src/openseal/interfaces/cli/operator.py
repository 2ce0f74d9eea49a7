"""The instance operator as a caller of the account services.

Whoever runs the CLI holds the database and the master key, so it is trusted and acts with
every permission, inside the organisation the command names; seal-scoped permissions need no
grant (``openseal sign`` works for the operator). Separation of duties binds the people who
log in, not the operator of the instance. The audit actor stays the CLI's own
(``cli:<os user>``).
"""

from __future__ import annotations

import getpass
import os
import sys

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import user_not_found
from openseal.core.audit.recorder import Actor
from openseal.core.governance.roles import OPERATOR, PERMISSIONS, permissions_of
from openseal.core.ports import Repositories
from openseal.errors import Conflict, InvalidInput
from openseal.interfaces.cli.output import lang

OPERATOR_ID = "cli"


def operator(org_id: str | None) -> Principal:
    """A Principal for the operator acting in ``org_id`` (None: outside any organisation)."""
    return Principal(OPERATOR, OPERATOR_ID, os_user(), org_id, OPERATOR,
                     frozenset(PERMISSIONS))


def as_user(repos: Repositories, ref: str) -> Principal:
    """The operator acting for the user ``ref`` (``--as``): with that user's roles and
    grants only, so the rules for people (four eyes, grants) apply as in the API."""
    user = repos.find_user(ref)
    if user is None:
        raise user_not_found(ref)
    if user.status != "active":
        raise Conflict("USER_DISABLED", f"用户「{user.username}」已停用",
                       f"User '{user.username}' is disabled")
    roles = repos.list_user_roles(user.id)
    return Principal("user", user.id, user.username, user.org_id, user.role,
                     permissions_of(roles), roles=roles)


def acting_actor(principal: Principal) -> Actor:
    """The audit actor of the operator acting for ``principal``."""
    return Actor(f"cli:{os_user()} as user:{principal.name}", "user")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def password_from_stdin(field: str = "password") -> str:
    """One password from standard input (its first line, without the line break)."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InvalidInput("PASSWORD_EMPTY", "标准输入中没有读到密码",
                           "No password was read from standard input", field=field)
    return line


def say(zh: str, en: str) -> str:
    """The message in the CLI's language (Chinese unless OPENSEAL_LANG/LANG say English)."""
    return zh if lang() == "zh" else en
