"""API keys in the admin: each editor makes, sees and revokes only their own (a superuser sees
all, to revoke a leaked one). A key is shown once, on the page after it is made; only its hash
is stored."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from milestones import selectors, services
from milestones.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "created", "last_used_at"]
    list_display_links = None
    fields = ["name"]
    actions = ["revoke"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return selectors.api_tokens_visible_to(request.user)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "revoke" says what deleting a key means
        return actions

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # a key is made and revoked, never edited

    def has_view_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # The list is all there is to see; a key's own page would add nothing.
        return obj is None and super().has_view_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        services.api_token_revoke(token=obj, by=request.user)

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        token, key = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        # The admin goes on with ``obj`` (the log entry, the answer page): make it the stored row.
        obj.__dict__.update({name: value for name, value in token.__dict__.items() if name != "_state"})
        obj._state.adding, obj._state.db = False, token._state.db
        obj.new_key = key

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue=None) -> TemplateResponse:
        response = TemplateResponse(
            request,
            "admin/milestones/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Your new API key",
                "token": obj,
                "key": obj.new_key,
            },
        )
        add_never_cache_headers(response)  # the only copy of the key must not sit in a cache
        return response

    @admin.action(
        description="Revoke the selected keys (programs using them get 401)", permissions=["delete"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset)
        for token in tokens:
            services.api_token_revoke(token=token, by=request.user)
        self.message_user(request, f"{len(tokens)} key(s) revoked.")
