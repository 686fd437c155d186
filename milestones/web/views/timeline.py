"""The timeline (``/``), its embeddable twin (``/embed/``) and the shared context for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from milestones.domain import chart as layout
from milestones.domain.outlook import OutsideView
from milestones.models import Milestone, Organisation, Region
from milestones.selectors import outlook
from milestones.selectors import pages as page_selectors
from milestones.web.caching import cached_page
from milestones.web.forms import MAX_YEAR, MIN_YEAR, TimelineFilterForm
from milestones.web.rows import Rows

# Parameters that only change how the chart is drawn; feeds ignore them.
VIEW_ONLY_PARAMS = ("lanes", "as_of", "year_from", "year_to", "outside")
_REGION_ORDER = {value: index for index, value in enumerate(Region.values)}
_CATEGORY_ORDER = {value: index for index, value in enumerate(Milestone.Category.values)}


def filter_form(request: HttpRequest) -> TimelineFilterForm:
    """The filter form bound to the URL, with organisation and country choices in one query."""
    organisations, countries = [], {}
    for slug, name, country in page_selectors.organisation_choices():
        organisations.append((slug, name))
        if country:
            countries[country] = Organisation(country=country).country.name
    country_choices = sorted(countries.items(), key=lambda pair: pair[1])
    form = TimelineFilterForm(request.GET, organisations=organisations, countries=country_choices)
    form.is_valid()
    return form


def filtered_milestones(form: TimelineFilterForm) -> list[Milestone]:
    """The milestones the form asks for, as believed on ``as_of`` when it is set."""
    return page_selectors.timeline_milestones(form.filters(), as_of=form.value("as_of"))


def milestone_item(
    milestone: Milestone, lanes: str, *, outlook_end: date | None = None, rows: Rows | None = None
) -> layout.Item:
    """Adapt a milestone for the layout; the lane choice decides grouping and label."""
    owner, rows = milestone.owner, rows or Rows()
    if lanes == "region":
        key, lane, order, url = (
            owner.region,
            rows.label(Region, owner.region),
            (_REGION_ORDER[owner.region],),
            "",
        )
        text = f"{owner.name} · {milestone.target_display}"
    elif lanes == "category":
        key, lane = milestone.category, rows.label(Milestone.Category, milestone.category)
        order, url = (_CATEGORY_ORDER[milestone.category],), ""
        text = f"{owner.name} · {milestone.target_display}"
    else:
        # Organisation lanes keep first-seen order: milestones arrive by deadline,
        # so the organisation with the earliest deadline is on top.
        key, lane, order, url = owner.slug, owner.name, (), rows.url("milestones:organisation", owner.slug)
        text = f"{rows.label(Milestone.Category, milestone.category)} · {milestone.target_display}"
    first = milestone.first_revisions[0] if getattr(milestone, "first_revisions", None) else None
    return layout.Item(
        ref=milestone,
        lane_key=key,
        lane_label=lane,
        lane_url=url,
        lane_order=order,
        start=milestone.window_start,
        end=milestone.window_end,
        label=text,
        open_start=milestone.target_open_start,
        approximate=milestone.target_approximate,
        achieved_on=milestone.achieved_on,
        first_start=first.new_start if first else None,
        first_end=first.new_end if first else None,
        outlook_end=outlook_end,
    )


def outlook_ends(milestones: list[Milestone], *, today: date, as_of: date | None) -> dict[int, date]:
    """Each open milestone's P80 (when it has an outside view), for the chart's faint extensions."""
    views = outlook.outside_views(milestones, today=today, as_of=as_of)
    return {pk: view.p80 for pk, view in views.items() if isinstance(view, OutsideView)}


def list_year(milestone: Milestone) -> int:
    return layout.list_year(
        milestone.window_start, milestone.window_end, open_start=milestone.target_open_start
    )


@dataclass(frozen=True)
class ZoomLinks:
    zoom_in: str
    zoom_out: str
    earlier: str
    later: str


def _zoom_links(request: HttpRequest, chart: layout.Timeline) -> ZoomLinks:
    def url(low: int, high: int) -> str:
        query = request.GET.copy()
        query["year_from"], query["year_to"] = str(max(low, MIN_YEAR)), str(min(high, MAX_YEAR))
        return f"?{query.urlencode()}"

    low, high = chart.year_from, chart.year_to
    return ZoomLinks(
        zoom_in=url(*layout.zoom(low, high, step=1)),
        zoom_out=url(*layout.zoom(low, high, step=-1)),
        earlier=url(low - 1, high - 1),
        later=url(low + 1, high + 1),
    )


def feed_query(request: HttpRequest) -> str:
    """The filters of this view as a query string for its calendar feed."""
    query = request.GET.copy()
    for name in VIEW_ONLY_PARAMS:
        query.pop(name, None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


def timeline_context(request: HttpRequest) -> dict:
    form = filter_form(request)
    milestones = filtered_milestones(form)
    lanes = form.value("lanes") or "organisation"
    today = timezone.localdate()
    show_outside = bool(form.value("outside"))
    rows = Rows()
    ends = outlook_ends(milestones, today=today, as_of=form.value("as_of")) if show_outside else {}
    chart = layout.build(
        [milestone_item(m, lanes, outlook_end=ends.get(m.pk), rows=rows) for m in milestones],
        today=today,
        year_from=form.value("year_from"),
        year_to=form.value("year_to") if "year_to" not in form.errors else None,
    )
    query = request.GET.urlencode()
    return {
        "form": form,
        "milestones": milestones,
        "by_year": layout.group_by_year(milestones, list_year),
        "chart": chart,
        "lanes": lanes,
        "as_of": form.value("as_of"),
        "show_outside": show_outside,
        "today": today,
        "zoom": _zoom_links(request, chart),
        "statuses": [
            (value, label, layout.STATUS_GLYPHS[value]) for value, label in Milestone.Status.choices
        ],
        "patterns": layout.STATUS_PATTERNS,
        "ics_url": reverse("milestones:timeline_ics") + feed_query(request),
        "embed_url": request.build_absolute_uri(reverse("milestones:embed") + (f"?{query}" if query else "")),
        "page_url": request.build_absolute_uri(reverse("milestones:home") + (f"?{query}" if query else "")),
    }


def _status(form: TimelineFilterForm) -> int:
    # Bad filter values are shown as form errors (and not applied), never a 500.
    return 400 if form.errors else 200


@require_safe
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    context = timeline_context(request)
    return render(request, "milestones/home.html", context, status=_status(context["form"]))


@xframe_options_exempt
@require_safe
@cached_page
def embed(request: HttpRequest) -> HttpResponse:
    """The timeline without site navigation, frameable from any origin (only this page is)."""
    context = timeline_context(request)
    return render(request, "milestones/embed.html", context, status=_status(context["form"]))
