"""Manage REST API tokens: ``api_token create|revoke|list``. Tokens are also in the admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from milestones import selectors, services


class Command(BaseCommand):
    help = "Create (print), rotate, revoke or list API tokens. Writes need a user in the Editors group."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Print the user's token, creating it if needed.")
        create.add_argument("username")
        create.add_argument("--rotate", action="store_true", help="Replace an existing token.")
        revoke = actions.add_parser("revoke", help="Delete the user's token.")
        revoke.add_argument("username")
        actions.add_parser("list", help="Users holding a token (keys are not shown).")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            for token in selectors.api_tokens():
                self.stdout.write(f"{token.user.get_username()}\tcreated {token.created:%Y-%m-%d %H:%M}")
            return
        user = self._user(options["username"])
        if action == "revoke":
            revoked = services.api_token_revoke(user=user)
            self.stdout.write("Token revoked." if revoked else "The user had no token.")
            return
        token = services.api_token_create(user=user, rotate=options["rotate"])
        if not user.has_perm("milestones.change_milestone"):
            self.stderr.write(f"Note: {user.get_username()} is not an editor; the token can only read.")
        self.stdout.write(token.key)

    def _user(self, username: str):
        try:
            return selectors.user_by_name(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}; create one first (createsuperuser).") from None
