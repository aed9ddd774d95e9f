"""``agora accounts``: the operator's account tool (Mastodon's ``tootctl accounts``).

    agora accounts create alice --email alice@example.org [--password P] [--role moderator]
    agora accounts modify alice --role admin | --suspend | --unsuspend | --disable | --enable
    agora accounts list [--role moderator]

Works on the database of ``$AGORA_HOME`` (or ``AGORA_DATABASE_URL``) whether or not
registrations are open; changes are logged as ``moderation.action`` events by the operator.
"""

from __future__ import annotations

import argparse
import sys

ROLE_CHOICES = ("user", "moderator", "admin")


def register(subparsers) -> None:
    group = subparsers.add_parser("accounts", help="Create, modify and list local accounts.")
    sub = group.add_subparsers(dest="accounts_command", required=True)

    create = sub.add_parser("create", help="Create an account (its password is printed if not given).")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", default=None, help="at least 8 characters; generated when omitted")
    create.add_argument("--role", choices=ROLE_CHOICES, default="user")
    create.set_defaults(handler=_create)

    modify = sub.add_parser("modify", help="Change an account's role or moderation state.")
    modify.add_argument("username")
    modify.add_argument("--role", choices=ROLE_CHOICES)
    for flag, help_text in (("suspend", "suspend the account (its posts and logins disappear)"),
                            ("unsuspend", "lift a suspension"), ("disable", "disable its login"),
                            ("enable", "re-enable its login")):
        modify.add_argument(f"--{flag}", action="store_true", help=help_text)
    modify.set_defaults(handler=_modify)

    listing = sub.add_parser("list", help="List accounts (tab-separated).")
    listing.add_argument("--role", choices=ROLE_CHOICES, default=None)
    listing.set_defaults(handler=_list)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _create(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.db import create_schema, session_scope
    from platform_api.errors import ApiError
    from platform_api.security import new_secret
    from platform_api.services.register_account import RegisterAccount

    settings = get_settings()
    create_schema(settings)
    password = args.password or new_secret(12)
    try:
        with session_scope(settings) as session:
            account = RegisterAccount(session)(username=args.username, email=args.email, password=password,
                                               role=args.role)
            account_id = account.id
    except ApiError as exc:
        return _fail(exc.message)
    print(f"created {args.username} (id {account_id}, role {args.role})")
    if args.password is None:
        print(f"password: {password}")
    return 0


def _modify(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.db import create_schema, session_scope
    from platform_api.errors import ApiError
    from platform_api.repositories import accounts
    from platform_api.services.moderate_account import ChangeRole, LiftModeration, ModerateAccount

    if args.suspend and args.unsuspend or args.disable and args.enable:
        return _fail("contradictory flags")
    settings = get_settings()
    create_schema(settings)
    try:
        with session_scope(settings) as session:
            account = accounts.by_username(session, username=args.username)
            if account is None:
                return _fail(f"no account named {args.username}")
            if args.role:
                ChangeRole(session)(account, args.role)
            for flag, action in (("suspend", "suspend"), ("disable", "disable")):
                if getattr(args, flag):
                    ModerateAccount(session)(account, action)
            for flag, reversal in (("unsuspend", "unsuspend"), ("enable", "enable")):
                if getattr(args, flag):
                    LiftModeration(session)(account, reversal)
            state = _state(account)
    except ApiError as exc:
        return _fail(exc.message)
    print(f"{args.username}: {state}")
    return 0


def _state(account) -> str:
    flags = [name for name, on in (("suspended", account.suspended_at is not None), ("disabled", account.disabled),
                                   ("silenced", account.silenced_at is not None)) if on]
    return f"role {account.role}" + (f", {', '.join(flags)}" if flags else "")


def _list(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.db import create_schema, session_scope
    from platform_api.repositories import moderation

    settings = get_settings()
    create_schema(settings)
    with session_scope(settings) as session:
        rows = moderation.list_accounts(session, role=args.role)
        print("id\tusername\temail\trole\tstate")
        for account in rows:
            email = account.user.email if account.user else ""
            print(f"{account.id}\t{account.username}\t{email}\t{account.role}\t{_state(account)}")
    return 0
