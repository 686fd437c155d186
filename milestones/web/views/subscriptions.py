"""Reminder sign-up, confirmation and unsubscribe pages.

Every sign-up answers with the same page whether the address is new, waiting
for confirmation or already subscribed, so the form reveals nothing about who
subscribes to what.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from milestones import services
from milestones.http import client_address
from milestones.selectors import pages as page_selectors
from milestones.web.forms import SubscribeForm


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = SubscribeForm(initial={"scope": "all"})
        return render(request, "milestones/subscription_form.html", {"form": form})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "milestones/subscription_form.html", {"form": form}, status=400)
    if not services.subscribe_rate_allows(client=client_address(request)):
        return render(request, "milestones/subscription_rate_limited.html", status=429)
    data = form.cleaned_data
    services.subscription_request(
        email=data["email"],
        scope=data["scope"],
        milestone=data["milestone"],
        organisation=data["organisation"],
        kinds=data["kinds"],
    )
    return render(request, "milestones/subscription_thanks.html", {"email": data["email"]})


@require_http_methods(["GET", "POST"])
def subscription_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows what the link will switch on and a button: link scanners in mail
    # systems follow links but do not post forms.
    if request.method == "GET":
        return render(request, "milestones/subscription_confirm.html", _confirm_context(token))
    try:
        subscription = services.subscription_confirm(token=token)
    except ValidationError as error:
        return render(
            request,
            "milestones/subscription_confirm.html",
            {**_confirm_context(token), "errors": error.messages},
            status=400,
        )
    context = {"subscription": subscription, "subject": services.subscription_subject(subscription)}
    return render(request, "milestones/subscription_confirmed.html", context)


def _confirm_context(token: str) -> dict:
    preview = page_selectors.subscription_confirm_preview(token=token)
    subject = services.subscription_subject(preview.subscription) if preview else ""
    return {"token": token, "preview": preview, "subject": subject}


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without our form; the signed token is the authority
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "milestones/subscription_unsubscribe.html", {"token": token})
    try:
        email = services.subscription_unsubscribe(token=token)
    except ValidationError as error:
        return render(
            request,
            "milestones/subscription_unsubscribe.html",
            {"token": token, "errors": error.messages},
            status=400,
        )
    return render(request, "milestones/subscription_unsubscribed.html", {"email": email})
