import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from coop.env import email_settings_from_url, env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_reads_usual_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.delenv("X_FLAG")
    assert env_bool("X_FLAG", True) is True


@pytest.mark.parametrize(("reader", "value"), [(env_bool, "peut-être"), (env_int, "douze")])
def test_malformed_values_stop_the_start(monkeypatch, reader, value):
    monkeypatch.setenv("X_VALUE", value)
    with pytest.raises(ImproperlyConfigured):
        reader("X_VALUE", 0)


def test_email_urls():
    smtp = email_settings_from_url("smtp+tls://moi%40coop.fr:s%C3%A9cret@mail.coop.fr")
    assert smtp["host"] == "mail.coop.fr" and smtp["port"] == 587 and smtp["use_tls"]
    assert smtp["user"] == "moi@coop.fr" and smtp["password"] == "sécret"
    assert email_settings_from_url("console://")["backend"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured):
        email_settings_from_url("pigeon://voyageur")


def _manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "coop.settings",
    "SECRET_KEY": "p" + Fernet.generate_key().decode() + "-long-and-random-enough-for-django",
    "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "entrepairs.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def test_deploy_check_is_clean_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_refuses_the_demo_keys():
    from coop import settings

    env = PRODUCTION | {"ENCRYPTION_KEYS": settings.DEMO_ENCRYPTION_KEY}
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "coop.E003" in result.stderr


def test_without_debug_the_secret_key_is_required():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
