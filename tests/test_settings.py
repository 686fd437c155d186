"""Settings come from the environment and refuse malformed values."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ssbtracker.env import env_bool, env_database, env_email, env_float, env_int, env_list, env_str

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "REDIS_URL")
    }
    code = "import ssbtracker.settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bare_machine_defaults_to_sqlite_and_the_embedded_broker(tmp_path):
    result = load_settings({"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = load_settings({"DEBUG": "0", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_malformed_boolean_is_refused(tmp_path):
    result = load_settings({"DEBUG": "maybe", "VAR_DIR": str(tmp_path)})
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_postgres_url_uses_psycopg_with_a_pool(tmp_path):
    code = "import ssbtracker.settings as s; d=s.DATABASES['default']; print(d['ENGINE'], d['OPTIONS']['pool']['max_size'])"
    env = {**os.environ, "DATABASE_URL": "postgres://u@db.example:5432/ssb", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "4"]


def test_redis_url_becomes_the_broker(tmp_path):
    result = load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0", "VAR_DIR": str(tmp_path)})
    assert result.stdout.split()[1] == "redis://127.0.0.1:6379/0"


@pytest.mark.django_db
def test_suite_database_matches_the_environment():
    """CI sets DATABASE_URL to PostgreSQL: make sure the suite really runs there."""
    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


CONFIG_MODULES = (
    "ssbtracker/env.py",
    "ssbtracker/settings.py",
    "milestones/checks.py",
    "ssbtracker/gunicorn.conf.py",
)


def env_variables_read(paths: tuple[str, ...] = CONFIG_MODULES) -> set[str]:
    """Names passed to the ssbtracker.env helpers (``env_int("NAME", …)``) in these modules."""
    names = set()
    for path in paths:
        tree = ast.parse(Path(ROOT, path).read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.startswith("env_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    return names


def test_every_environment_variable_is_in_a_readme_table():
    names = env_variables_read()
    assert len(names) > 50  # the scan itself works: settings read more than fifty
    rows = [line for line in Path(ROOT, "README.md").read_text().splitlines() if line.startswith("|")]
    table = "\n".join(rows)
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert not missing, f"add these to the configuration table in README.md: {', '.join(missing)}"


def test_only_the_env_module_reads_the_environment():
    """``os.environ`` / ``os.getenv`` elsewhere would bypass the strict parsing (and the README check)."""
    offenders = []
    for path in sorted([*Path(ROOT, "ssbtracker").rglob("*.py"), *Path(ROOT, "milestones").rglob("*.py")]):
        if path.name == "env.py" and path.parent.name == "ssbtracker":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            reads = (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and not _sets_the_settings_module(node, path)
            ) or (isinstance(node, ast.ImportFrom) and node.module == "os")
            if reads:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "read configuration through ssbtracker.env: " + ", ".join(offenders)


def _sets_the_settings_module(node: ast.Attribute, path: Path) -> bool:
    # Entry points do `os.environ.setdefault("DJANGO_SETTINGS_MODULE", …)`: that writes, it does not read.
    line = path.read_text().splitlines()[node.lineno - 1]
    return 'os.environ.setdefault("DJANGO_SETTINGS_MODULE"' in line


def test_every_setting_is_assigned_once():
    tree = ast.parse(Path(ROOT, "ssbtracker/settings.py").read_text())
    assigned: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        assigned += [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
        for target in targets:
            # LOGGING["handlers"] = … or DATABASES["default"][…] = … patches a setting after the fact.
            assert not isinstance(target, ast.Subscript), f"settings.py:{node.lineno} patches a setting"
    twice = sorted({name for name in assigned if assigned.count(name) > 1})
    assert not twice, f"assigned more than once: {twice}"
    assert "globals()" not in Path(ROOT, "ssbtracker/settings.py").read_text()


def test_importing_settings_creates_no_folders(tmp_path):
    var_dir = tmp_path / "not-yet"
    result = load_settings({"VAR_DIR": str(var_dir)})
    assert result.returncode == 0, result.stderr
    assert not var_dir.exists()


def test_fresh_var_dir_is_created_on_start_up_for_migrate_and_check(tmp_path):
    """A fresh clone has no var/: SQLite, the embedded broker and ensure_admin need it."""
    var_dir = tmp_path / "fresh" / "var"
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env = {**clean, "VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING"}
    for command in (["migrate", "--noinput", "-v0"], ["check"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
    assert (var_dir / "ssbtracker.sqlite3").is_file()
    assert all((var_dir / "broker" / name).is_dir() for name in ("out", "processed", "control"))
    assert (var_dir / "static").is_dir()  # WhiteNoise warns on every start without it


def test_number_out_of_range_is_refused_naming_the_variable(tmp_path):
    result = load_settings({"REMINDER_SEND_HOUR": "24", "VAR_DIR": str(tmp_path)})
    assert "REMINDER_SEND_HOUR=24 must be at most 23" in result.stderr


def test_malformed_email_url_is_refused_at_start_up(tmp_path):
    result = load_settings({"EMAIL_URL": "imap://mail.example.com", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "EMAIL_URL scheme 'imap' is not supported" in result.stderr


def test_email_url_becomes_the_smtp_settings():
    env = {"EMAIL_URL": "smtp+tls://mailer@smtp.example.com"}
    config = env_email("EMAIL_URL", file_path="/srv/var/mail", environ=env)
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == (
        "smtp.example.com",
        587,
        True,
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: env_int("WORKERS", 2, minimum=1, environ=e), "WORKERS='many' is not a whole number"),
        (lambda e: env_float("WORKERS", 2.0, environ=e), "WORKERS='many' is not a number"),
        (lambda e: env_bool("WORKERS", True, environ=e), "WORKERS='many' is not a boolean"),
        (
            lambda e: env_str("WORKERS", "json", choices=("json", "text"), environ=e),
            "must be one of json, text",
        ),
        (lambda e: env_str("WORKERS", "1/s", pattern=r"\d+/s", example="10/s", environ=e), "such as 10/s"),
    ],
)
def test_malformed_values_are_refused_naming_the_variable(call, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        call({"WORKERS": "many"})


def test_bounds_apply_to_numbers():
    assert env_int("N", 5, minimum=1, maximum=10, environ={"N": "10"}) == 10
    with pytest.raises(ImproperlyConfigured, match="N=0 must be at least 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})
    with pytest.raises(ImproperlyConfigured, match="is not a finite number"):
        env_float("N", 0.5, environ={"N": "nan"})


def test_empty_counts_as_unset_and_lists_drop_blanks():
    assert env_int("N", 7, environ={"N": ""}) == 7
    assert env_list("HOSTS", environ={"HOSTS": " a.example, ,b.example "}) == ["a.example", "b.example"]


def test_postgres_fails_fast_and_its_pool_can_be_switched_off():
    env = {"DATABASE_URL": "postgres://u@db.example:5432/ssb", "DB_POOL": "0", "DB_CONNECT_TIMEOUT": "3"}
    database = env_database("DATABASE_URL", "sqlite:///unused", environ=env)
    assert database["OPTIONS"] == {"connect_timeout": 3}


def test_sqlite_writers_wait_for_the_lock():
    database = env_database("DATABASE_URL", "sqlite:////tmp/ssb.sqlite3", environ={})
    assert database["OPTIONS"] == {"timeout": 20, "transaction_mode": "IMMEDIATE"}
