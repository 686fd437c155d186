"""Manage REST API keys: ``api_token create|revoke|list``. Editors also make and revoke their own in the admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from milestones import selectors, services


class Command(BaseCommand):
    help = (
        "Create (and print, the only time it is shown), revoke or list API keys. "
        "Writes need a user in the Editors group."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a new key for the user and print it (shown once).")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the key is for, shown in the admin and `list`.")
        create.add_argument("--rotate", action="store_true", help="Revoke the user's other keys first.")
        revoke = actions.add_parser("revoke", help="Revoke every key of the user.")
        revoke.add_argument("username")
        actions.add_parser("list", help="Keys by user: name, first characters, created, last used.")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            for token in selectors.api_tokens():
                last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.user.get_username()}\t{token}\tcreated {token.created:%Y-%m-%d %H:%M}"
                    f"\tlast used {last_used}"
                )
            return
        user = self._user(options["username"])
        if action == "revoke":
            revoked = services.api_tokens_revoke(user=user)
            self.stdout.write(f"{revoked} key(s) revoked." if revoked else "The user had no key.")
            return
        try:
            _, key = services.api_token_create(user=user, name=options["name"], rotate=options["rotate"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if not user.has_perm("milestones.change_milestone"):
            self.stderr.write(f"Note: {user.get_username()} is not an editor; the key can only read.")
        self.stdout.write(key)

    def _user(self, username: str):
        try:
            return selectors.user_by_name(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}; create one first (createsuperuser).") from None
