"""Who may use the web app and the API: users with roles, sessions, API tokens, audit log."""

from cxpulse.accounts.users import (
    AccountError,
    Permission,
    Role,
    User,
    add_user,
    authenticate,
    get_user,
    list_users,
    update_user,
)

__all__ = [
    "AccountError",
    "Permission",
    "Role",
    "User",
    "add_user",
    "authenticate",
    "get_user",
    "list_users",
    "update_user",
]
