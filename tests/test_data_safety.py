"""Data safety: who changed what (admin bulk actions, API writes) and a lossless export/import."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from milestones.management.commands.export_data import CURATED_MODELS, HISTORY_MODELS
from milestones.models import Announcement, Milestone, Organisation, Relation, Subscription
from tests.api_support import API, relaxed_throttle, send, token_client  # noqa: F401
from tests.factories import make_milestone

ROOT = Path(__file__).resolve().parent.parent
TOYOTA = "toyota-first-solid-state-cars-2027-28"


@pytest.mark.django_db
def test_bulk_admin_delete_records_who_deleted_each_relation(editor_client, seed):
    relations = list(Relation.objects.all()[:3])
    response = editor_client.post(
        reverse("admin:milestones_relation_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in relations], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = Relation.history.filter(history_type="-", id__in=[r.pk for r in relations])
    assert deleted.count() == 3
    assert {entry.history_user.username for entry in deleted} == {"edna"}
    assert all(timezone.now() - entry.history_date < timedelta(minutes=1) for entry in deleted)


@pytest.mark.django_db
def test_bulk_admin_status_action_records_who_for_each_milestone(editor_client, seed):
    ids = list(Milestone.objects.values_list("pk", flat=True)[:2])
    editor_client.post(
        reverse("admin:milestones_milestone_changelist"),
        {"action": "mark_delayed", "_selected_action": ids},
    )
    latest = [Milestone.history.filter(id=pk).latest("history_date") for pk in ids]
    assert [(entry.status, entry.history_user.username) for entry in latest] == [("delayed", "edna")] * 2


@pytest.mark.django_db
@pytest.mark.usefixtures("relaxed_throttle")
def test_api_writes_record_the_token_user_in_history(editor, seed):
    api = token_client(editor)
    created = send(
        api, "post", f"{API}/organisations/", {"name": "QuantumScape", "kind": "start_up", "country": "US"}
    )
    assert created.status_code == 201, created.content
    changed = send(api, "patch", f"{API}/milestones/{TOYOTA}/", {"status": "at_risk"}, if_match="*")
    assert changed.status_code == 200, changed.content
    relation = Relation.objects.first()
    removed = send(api, "delete", f"{API}/relations/{relation.pk}/", if_match="*")
    assert removed.status_code == 204, removed.content
    organisation = Organisation.history.filter(slug="quantumscape").get()
    milestone = Milestone.history.filter(slug=TOYOTA).latest("history_date")
    assert organisation.history_user == editor and organisation.history_type == "+"
    assert milestone.history_user == editor and milestone.status == "at_risk"
    deleted = Relation.history.get(id=relation.pk, history_type="-")
    assert deleted.history_user == editor
    announcement = Announcement.objects.first()
    patched = send(
        api, "patch", f"{API}/announcements/{announcement.slug}/", {"paywalled": True}, if_match="*"
    )
    assert patched.status_code == 200, patched.content
    assert Announcement.history.latest("history_date").history_user == editor


READS = ["organisations", "relations", "people", "publishers", "announcements", "milestones"]


def api_snapshot(client) -> dict[str, object]:
    pages = {name: client.get(f"{API}/{name}/") for name in READS}
    pages["milestone detail"] = client.get(f"{API}/milestones/{TOYOTA}/")
    assert all(response.status_code == 200 for response in pages.values()), pages
    return {name: response.json() for name, response in pages.items()}


def history_snapshot() -> dict[str, list]:
    return {
        model._meta.label: sorted(
            (
                e.history_id,
                e.history_type,
                e.history_date.isoformat(),
                getattr(e.history_user, "username", None),
            )
            for e in model.objects.select_related("history_user")
        )
        for model in HISTORY_MODELS
    }


def curated_rows() -> int:
    return sum(model.objects.count() for model in [*CURATED_MODELS, *HISTORY_MODELS])


def export_to(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("export_data", "--output", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def curated_world(seed, editor, relaxed_throttle):  # noqa: F811  (the imported fixture)
    """The seed, plus writes with a known author, a subscription and a parent link."""
    api = token_client(editor)
    moved = send(api, "patch", f"{API}/milestones/{TOYOTA}/", {"target": "2029"}, if_match="*")
    assert moved.status_code == 200, moved.content
    child = Organisation.objects.create(
        name="Toyota Battery",
        slug="toyota-battery",
        kind="battery_maker",
        country="JP",
        parent=Organisation.objects.get(slug="toyota"),
    )
    make_milestone(owner=child, title="Pilot line", target="H2 2026")
    Subscription.objects.create(email="reader@example.org", scope="all", confirmed_at=timezone.now())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("relaxed_throttle")
def test_export_then_import_into_an_empty_database_gives_identical_api_output(
    curated_world, client, tmp_path
):
    before, history_before = api_snapshot(client), history_snapshot()
    report = export_to(tmp_path / "export.json")
    assert "milestones.Milestone: 6" in report and "milestones.HistoricalMilestone:" in report

    call_command("flush", interactive=False, verbosity=0)
    assert curated_rows() == 0
    out = io.StringIO()
    call_command("import_data", str(tmp_path / "export.json"), stdout=out)

    assert "milestones.Organisation: 18" in out.getvalue()
    assert api_snapshot(client) == before
    assert history_snapshot() == history_before  # who and when survive, authors recreated by name
    assert Subscription.objects.get().email == "reader@example.org"
    # Id sequences moved past the imported rows: new records do not collide.
    Organisation.objects.create(name="After restore", slug="after-restore", kind="start_up", country="DE")


@pytest.mark.django_db
def test_export_is_a_django_fixture_with_users_by_name(curated_world, tmp_path):
    export_to(tmp_path / "export.json")
    records = json.loads((tmp_path / "export.json").read_text())
    revision = next(
        r for r in records if r["model"] == "milestones.targetrevision" and r["fields"]["recorded_by"]
    )
    assert revision["fields"]["recorded_by"] == ["edna"]
    assert not any(r["model"].startswith("auth.") for r in records)  # no accounts, no password hashes


@pytest.mark.django_db
def test_export_without_history_leaves_it_out(seed, tmp_path):
    export_to(tmp_path / "export.json", "--no-history")
    models = {r["model"] for r in json.loads((tmp_path / "export.json").read_text())}
    assert "milestones.milestone" in models and not any("historical" in m for m in models)


@pytest.mark.django_db
def test_import_refuses_a_database_that_holds_data(seed, tmp_path):
    export_to(tmp_path / "export.json")
    rows = curated_rows()
    with pytest.raises(CommandError, match=r"not empty.*only loads into an empty database"):
        call_command("import_data", str(tmp_path / "export.json"))
    assert curated_rows() == rows


@pytest.mark.django_db(transaction=True)  # flush cannot TRUNCATE inside a test's transaction on PostgreSQL
def test_import_is_all_or_nothing(curated_world, tmp_path, django_user_model):
    export_to(tmp_path / "export.json")
    records = json.loads((tmp_path / "export.json").read_text())
    broken = next(r for r in records if r["model"] == "milestones.milestone")
    broken["fields"]["owner"] = 987654  # no such organisation: fails at the very end
    (tmp_path / "broken.json").write_text(json.dumps(records))
    call_command("flush", interactive=False, verbosity=0)

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_data", str(tmp_path / "broken.json"))
    assert curated_rows() == 0
    assert not django_user_model.objects.filter(username="edna").exists()  # rolled back too


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"model": "milestones.milestone"}', "expected a JSON list"),
        ('[{"model": "auth.user", "pk": 1, "fields": {}}]', "not a curated record"),
    ],
)
def test_import_explains_a_file_it_cannot_use(tmp_path, content, message):
    (tmp_path / "bad.json").write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_data", str(tmp_path / "bad.json"))


@pytest.mark.django_db
def test_import_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_data", str(tmp_path / "nowhere.json"))


@pytest.mark.integration
def test_import_exits_non_zero_on_a_non_empty_database(tmp_path):
    """The real command line, on its own SQLite file: message on stderr and exit status 1."""
    env = {**os.environ, "VAR_DIR": str(tmp_path), "LOG_LEVEL": "CRITICAL"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    assert manage("load_seed").returncode == 0
    assert manage("export_data", "-o", str(tmp_path / "export.json")).returncode == 0
    result = manage("import_data", str(tmp_path / "export.json"))
    assert result.returncode == 1
    assert "The database is not empty" in result.stderr
