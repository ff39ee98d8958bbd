"""Settings come from the environment; production refuses to start without its secrets."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from anagen.project import env

ANAGEN = str(Path(sys.executable).with_name("anagen"))
PRODUCTION = {
    "ANAGEN_ENV": "production",
    "ANAGEN_SECRET_KEY": secrets.token_urlsafe(60),
    "ANAGEN_AUDIT_KEY": secrets.token_urlsafe(40),
    "ANAGEN_ALLOWED_HOSTS": "clinic.example.org",
    "DATABASE_URL": "sqlite:////tmp/anagen-production-check.sqlite3",
}


def run(args, extra, tmp_path):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("ANAGEN_") and k != "DATABASE_URL"
    }
    environment |= {"ANAGEN_DATA_DIR": str(tmp_path)} | extra
    return subprocess.run(
        [ANAGEN, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("missing", sorted(k for k in PRODUCTION if k != "ANAGEN_ENV"))
def test_production_refuses_to_start_without_each_secret(missing, tmp_path):
    result = run(["check"], {k: v for k, v in PRODUCTION.items() if k != missing}, tmp_path)
    assert result.returncode == 2
    assert missing in result.stderr and "Traceback" not in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = run(["check"], PRODUCTION | {"ANAGEN_SECRET_KEY": "short"}, tmp_path)
    assert result.returncode == 2 and "at least 50" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run(["check"], PRODUCTION | {"ANAGEN_DEBUG": "true"}, tmp_path)
    assert result.returncode == 2 and "ANAGEN_DEBUG" in result.stderr


def test_the_wsgi_application_refuses_to_load_without_secrets(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANAGEN_")}
    environment |= {"ANAGEN_ENV": "production", "ANAGEN_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import anagen.project.wsgi"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(["check", "--deploy"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout and "WARNING" not in result.stderr


def test_a_bad_value_is_named_not_defaulted(tmp_path):
    result = run(["check"], {"ANAGEN_IDLE_TIMEOUT_MINUTES": "ten"}, tmp_path)
    assert result.returncode == 2
    assert "ANAGEN_IDLE_TIMEOUT_MINUTES must be a whole number" in result.stderr


def test_development_defaults_keep_their_keys_in_the_data_folder(tmp_path):
    result = run(["check"], {}, tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "audit.key").stat().st_mode & 0o077 == 0


def test_env_helpers_parse_and_reject(monkeypatch):
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_INT", "-3")
    monkeypatch.setenv("X_LIST", " a, b ,,c ")
    monkeypatch.setenv("X_CHOICE", "staging")
    assert env.env_bool("X_BOOL", default=False) is True
    assert env.env_list("X_LIST") == ["a", "b", "c"]
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env.env_int("X_INT", 1)
    with pytest.raises(ImproperlyConfigured, match="one of development, production"):
        env.env_choice("X_CHOICE", "development", ("development", "production"))
