"""“Add from article”: paste an article, review what the assistant proposes, create the
selected records in one confirm.

The page posts twice. "Read" sends the paste form and shows the proposals as forms with a
checkbox each; "Create selected" sends the same paste fields (hidden) with the edited
forms. The reader is deterministic, so the second post reads the article again to show
each item's source sentence beside any error: nothing about the proposals is kept on the
server or trusted from the page but what the editor may edit.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_countries import countries

from milestones import services
from milestones.domain.intake import Sentence
from milestones.models import Milestone, Organisation

_KINDS = [(kind, kind) for kind in services.INTAKE_CLAIM_KINDS]
# A date picker takes ISO dates only, whatever the language's date format.
_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def marked(sentence: Sentence) -> SafeString:
    """The sentence, escaped, with its marks wrapped in ``<mark>`` (overlaps: the first wins)."""
    parts, at = [], 0
    for mark in sorted(sentence.marks, key=lambda m: (m.start, -m.end)):
        if mark.start < at or mark.end <= mark.start or mark.end > len(sentence.text):
            continue
        parts.append(escape(sentence.text[at : mark.start]))
        kind = escape(mark.kind)
        piece = escape(sentence.text[mark.start : mark.end])
        parts.append(f'<mark class="intake-{kind}" title="{kind}">{piece}</mark>')
        at = mark.end
    parts.append(escape(sentence.text[at:]))
    # Safe: every piece of the sentence above went through escape().
    return mark_safe("".join(parts))


class PasteForm(forms.Form):
    text = forms.CharField(
        label="Article text or HTML",
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        help_text="Paste the article; a page's HTML is recognised and its main text extracted.",
    )
    url = forms.URLField(label="URL", required=False, max_length=1000, assume_scheme="https")
    published_on = forms.DateField(
        label="Publication date",
        required=False,
        widget=_DATE,
        help_text="Relative phrases (“next year”) are read against it; else the dateline is used.",
    )
    publisher = forms.CharField(required=False, max_length=200)
    title = forms.CharField(required=False, max_length=300)
    include_third_party = forms.BooleanField(label="Include third-party expectations", required=False)

    def reading(self) -> services.IntakeReading:
        data = self.cleaned_data
        return services.intake_propose(
            text=data["text"],
            url=data["url"],
            published_on=data["published_on"],
            publisher=data["publisher"],
            title=data["title"],
            include_third_party=data["include_third_party"],
        )


class HiddenPasteForm(PasteForm):
    """The paste form carried along the review page, so a confirm can read the article again."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = forms.HiddenInput()


class AnnouncementPickForm(forms.Form):
    title = forms.CharField(max_length=300)
    published_on = forms.DateField(label="Publication date", widget=_DATE)
    publisher = forms.CharField(max_length=200, help_text="Found by name, else created.")
    url = forms.URLField(label="URL", max_length=1000, assume_scheme="https")


class _PickForm(forms.Form):
    """One proposal: checked only when ticked (an unticked "new?" name needs no country), and
    no ``required`` attributes, so the browser never blocks a confirm on an unticked item."""

    use_required_attribute = False
    pick = forms.BooleanField(label="Create", required=False)

    def full_clean(self) -> None:
        if self.is_bound and not self.data.get(self.add_prefix("pick")):
            self._errors, self.cleaned_data = ErrorDict(), {"pick": False}
            return
        super().full_clean()


class OrganisationPickForm(_PickForm):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Organisation.Kind.choices)
    country = forms.ChoiceField(choices=[("", "—"), *countries])


class ClaimPickForm(_PickForm):
    owner = forms.CharField(max_length=200, help_text="Slug, name or alias; or a new organisation above.")
    phrase = forms.CharField(label="Target phrase", max_length=120)
    category = forms.ChoiceField(choices=Milestone.Category.choices)
    technology = forms.ChoiceField(choices=Milestone.Technology.choices)
    electrolyte = forms.ChoiceField(choices=Milestone.Electrolyte.choices)
    strength = forms.ChoiceField(choices=Milestone.ClaimStrength.choices)
    kind = forms.ChoiceField(choices=_KINDS)
    milestone = forms.CharField(label="Milestone (slug)", max_length=200, required=False)
    title = forms.CharField(max_length=300, required=False)
    achieved_on = forms.DateField(required=False, widget=forms.HiddenInput())


class QuotePickForm(_PickForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))
    speaker = forms.CharField(max_length=200, required=False, help_text="A person's slug or name.")
    affiliation = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput())


OrganisationFormSet = forms.formset_factory(OrganisationPickForm, extra=0)
ClaimFormSet = forms.formset_factory(ClaimPickForm, extra=0)
QuoteFormSet = forms.formset_factory(QuotePickForm, extra=0)


def _initial(reading: services.IntakeReading) -> dict[str, list[dict]]:
    found = reading.proposals
    new_names = list(dict.fromkeys(m.text for m in found.organisations if m.slug is None))
    return {
        "orgs": [{"pick": False, "name": name} for name in new_names],
        "claims": [
            {
                "pick": True,
                "owner": c.owner_slug or c.owner_name,
                "phrase": c.phrase,
                "category": c.category,
                "technology": c.technology,
                "electrolyte": c.electrolyte,
                "strength": c.strength,
                "kind": c.kind,
                "milestone": c.milestone_slug or "",
                "title": c.title,
                "achieved_on": c.achieved_on,
            }
            for c in found.claims
        ],
        "quotes": [
            {
                "pick": bool(q.speaker_name),
                "text": q.text,
                "speaker": q.speaker_slug or q.speaker_name,
                "affiliation": q.affiliation_slug or "",
            }
            for q in found.quotes
        ],
    }


class _Page:
    """Every form of the review page, bound to a post or filled from the proposals."""

    def __init__(self, reading: services.IntakeReading, data=None) -> None:
        self.reading = reading
        found, initial = reading.proposals, _initial(reading)
        announcement = found.announcement
        self.announcement = AnnouncementPickForm(
            data,
            prefix="announcement",
            initial={
                "title": announcement.title,
                "published_on": announcement.published_on,
                "publisher": announcement.publisher,
                "url": announcement.url,
            },
        )
        self.orgs = OrganisationFormSet(data, prefix="orgs", initial=initial["orgs"])
        self.claims = ClaimFormSet(data, prefix="claims", initial=initial["claims"])
        self.quotes = QuoteFormSet(data, prefix="quotes", initial=initial["quotes"])
        self.known = [m for m in found.organisations if m.slug]
        self.mentioned = set(data.getlist("mentioned")) if data is not None else {m.slug for m in self.known}

    def rows(self) -> dict[str, list]:
        """Each form beside what it came from: the sentence with its marks."""
        found = self.reading.proposals
        first_sentence = {}
        for mention in found.organisations:
            first_sentence.setdefault(mention.text, mention)
        orgs = [
            (form, first_sentence.get(form.initial.get("name") or form["name"].value())) for form in self.orgs
        ]
        return {
            "orgs": [(form, marked(m.sentence) if m else "") for form, m in orgs],
            "claims": [(f, c, marked(c.sentence)) for f, c in zip(self.claims, found.claims, strict=False)],
            "quotes": [(f, q, marked(q.sentence)) for f, q in zip(self.quotes, found.quotes, strict=False)],
            "known": [(m, marked(m.sentence), m.slug in self.mentioned) for m in _unique(self.known)],
        }

    def is_valid(self) -> bool:
        return all(part.is_valid() for part in (self.announcement, self.orgs, self.claims, self.quotes))

    def selection(self) -> tuple[services.Selection, dict[str, list[forms.Form]]]:
        """The ticked items, and for each kind the form behind each selected index."""
        picked = {
            name: [f for f in getattr(self, name) if f.cleaned_data.get("pick")]
            for name in ("orgs", "claims", "quotes")
        }
        fields = lambda form, names: {n: form.cleaned_data[n] for n in names}  # noqa: E731
        announcement = self.announcement.cleaned_data
        selection = services.Selection(
            announcement=services.PickedAnnouncement(**announcement),
            organisations=tuple(
                services.PickedOrganisation(**fields(f, ("name", "kind", "country"))) for f in picked["orgs"]
            ),
            claims=tuple(
                services.PickedClaim(**{**fields(f, [n for n in f.cleaned_data if n != "pick"])})
                for f in picked["claims"]
            ),
            quotes=tuple(
                services.PickedQuote(**fields(f, ("text", "speaker", "affiliation")))
                for f in picked["quotes"]
            ),
            mentioned=tuple(sorted(self.mentioned)),
        )
        return selection, {
            "organisations": picked["orgs"],
            "claims": picked["claims"],
            "quotes": picked["quotes"],
        }

    def show_errors(self, error: ValidationError, picked: dict[str, list[forms.Form]]) -> None:
        """The service's ``claims.2.phrase`` on the form of the third selected claim."""
        for key, messages_ in error.message_dict.items():
            kind, _, rest = key.partition(".")
            if kind == "announcement":
                form, field = self.announcement, rest or None
            else:
                index, _, field = rest.partition(".")
                forms_ = picked.get(kind, [])
                form = (
                    forms_[int(index)] if index.isdigit() and int(index) < len(forms_) else self.announcement
                )
                field = field or None
            for message in messages_:
                known = field in form.fields
                form.add_error(field if known else None, message if known else f"{field}: {message}")


def _unique(mentions: list) -> list:
    seen, kept = set(), []
    for mention in mentions:
        if mention.slug not in seen:
            seen.add(mention.slug)
            kept.append(mention)
    return kept


def intake_view(request: HttpRequest, model_admin) -> HttpResponse:
    if not services.intake_allowed(request.user):
        raise PermissionDenied
    paste = PasteForm(request.POST or None)
    page = None
    if request.method == "POST" and "confirm" in request.POST:
        paste = HiddenPasteForm(request.POST)
        if paste.is_valid():
            page = _Page(paste.reading(), request.POST)
            if page.is_valid():
                selection, picked = page.selection()
                try:
                    result = services.intake_apply(selection=selection, user=request.user)
                except ValidationError as error:
                    page.show_errors(error, picked)
                else:
                    messages.success(request, result.summary())
                    target = reverse("admin:milestones_announcement_change", args=[result.announcement.pk])
                    return HttpResponseRedirect(target)
    elif request.method == "POST" and paste.is_valid():
        page = _Page(paste.reading())
        paste = HiddenPasteForm(request.POST)
        paste.is_valid()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Add from article",
        "paste": paste,
        "page": page,
        "rows": page.rows() if page else None,
        "notes": page.reading.notes if page else (),
        "duplicates": page.reading.duplicates if page else (),
    }
    return TemplateResponse(request, "admin/milestones/announcement/intake.html", context)
