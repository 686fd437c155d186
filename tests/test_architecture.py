"""The layout in STYLE.md, checked: model writes live in services, modules stay small.

Imports between layers are checked by import-linter (``lint-imports``, contracts in
pyproject.toml); what it cannot see is *calls*, so writes are found here with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400

# Always a write, whatever the receiver (bar the exemptions below).
WRITE_METHODS = {"save", "delete", "bulk_create", "bulk_update"}
# A write when called on a manager or a queryset; elsewhere (dict.update) an ordinary call.
MANAGER_WRITE_METHODS = {"create", "update", "get_or_create", "update_or_create"}
QUERYSET_METHODS = {
    "all",
    "filter",
    "exclude",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "annotate",
    "alias",
    "only",
    "defer",
    "using",
    "distinct",
    "none",
}
QUERYSET_NAMES = ("queryset", "qs")
NOT_MODELS = {
    "cache",  # cache.delete(key): Django's cache
    # DRF's serializer.save() runs our create()/update() in milestones/api/, checked there.
    "serializer",
    # Pillow's image.save(buffer) writes a PNG (the share cards), not a row.
    "image",
}
WRITERS = ("milestones/services/", "milestones/migrations/", "milestones/models.py", "milestones/models/")


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _looks_like_a_queryset(node: ast.expr) -> bool:
    """``X.objects…``, ``….filter(…)…`` or a variable named like one (``queryset``, ``open_qs``)."""
    while True:
        if isinstance(node, ast.Attribute):
            if node.attr == "objects":
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in QUERYSET_METHODS:
                return True
            node = node.func
        else:
            return isinstance(node, ast.Name) and node.id.lower().endswith(QUERYSET_NAMES)


def _writes_nothing(call: ast.Call) -> bool:
    """``formset.save(commit=False)`` only builds the objects (the admin then hands them to a service)."""
    return any(
        keyword.arg == "commit" and isinstance(keyword.value, ast.Constant) and keyword.value.value is False
        for keyword in call.keywords
    )


def model_writes(source: str, path: str) -> list[int]:
    """Line numbers of model writes in ``source`` (a file at ``path``, relative to the repo)."""
    if path.startswith(WRITERS):
        return []
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        if _receiver_name(receiver) in NOT_MODELS or _writes_nothing(node):
            continue
        if method in WRITE_METHODS or (method in MANAGER_WRITE_METHODS and _looks_like_a_queryset(receiver)):
            lines.append(node.lineno)
    return sorted(lines)


def python_modules(*packages: str) -> list[Path]:
    return sorted(
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_model_writes_happen_only_in_services():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in python_modules("milestones")
        for line in model_writes(path.read_text(), path.relative_to(ROOT).as_posix())
    ]
    assert not offenders, "model writes outside milestones/services/ (call a service):\n" + "\n".join(
        offenders
    )


def test_no_module_is_over_400_lines():
    sizes = {path: len(path.read_text().splitlines()) for path in python_modules("milestones", "ssbtracker")}
    too_long = [
        f"{path.relative_to(ROOT)}: {lines}" for path, lines in sizes.items() if lines > MAX_MODULE_LINES
    ]
    assert not too_long, f"split by what they own (max {MAX_MODULE_LINES} lines):\n" + "\n".join(too_long)


FACE = "milestones/web/views/pages.py"


@pytest.mark.parametrize(
    "source",
    [
        "Milestone.objects.create(title='x')",
        "Milestone.objects.get_or_create(slug='x')",
        "Milestone.objects.update_or_create(slug='x', defaults={})",
        "Milestone.objects.bulk_create(rows)",
        "Milestone.objects.filter(pk=1).update(status='done')",
        "Milestone.objects.filter(pk=1).delete()",
        "Milestone.objects.update(status='done')",
        "queryset.update(status='done')",
        "open_qs.delete()",
        "milestone.save(update_fields=['title'])",
        "milestone.delete()",
        "Milestone.objects.bulk_update(rows, ['title'])",
        "form.instance.save()",
        "form.save()",
    ],
)
def test_a_write_in_a_face_is_found(source):
    assert model_writes(f"def view(request):\n    {source}\n", FACE) == [2]


@pytest.mark.parametrize(
    "source",
    [
        "cache.delete(key)",
        "cache.set(key, value, 60)",
        "context.update({'page': 2})",
        "headers.update(etag=etag)",
        "Milestone.objects.filter(pk=1).exists()",
        "services.milestone_create(title='x')",
        "serializer.save()",
        "formset.save(commit=False)",
    ],
)
def test_reads_and_cache_calls_in_a_face_are_not_writes(source):
    assert model_writes(f"def view(request):\n    {source}\n", FACE) == []


@pytest.mark.parametrize(
    "path", ["milestones/services/milestones.py", "milestones/models.py", "milestones/migrations/0002_x.py"]
)
def test_writes_are_allowed_in_services_models_and_migrations(path):
    assert model_writes("Milestone.objects.create(title='x')\nrow.save()\n", path) == []


def test_super_save_is_allowed_in_models_but_not_in_a_form():
    source = "class M:\n    def save(self, *args, **kwargs):\n        super().save(*args, **kwargs)\n"
    assert model_writes(source, "milestones/models.py") == []
    assert model_writes(source, "milestones/web/forms.py") == [3]
