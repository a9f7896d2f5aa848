"""Settings for the test suite: the real settings, with test-only secrets and speed-ups.
DATABASE_URL chooses the database (SQLite by default, PostgreSQL in CI)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("ENCRYPTION_KEYS", "dGVzdHMtb25seS1rZXktbm90LXNlY3JldC0wMDAwMDA=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SITE_URL", "http://testserver")

from coop.settings import *  # noqa: E402, F403

# Threads of the tests (live server, in-process Celery worker) close their connections
# after each request or task, so that the test databases can be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Uploaded and generated files go to a throwaway folder, never into the work tree.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="entrepairs-tests-media-"))

# Fast hashing: the suite creates many accounts.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests that need a real worker set REDIS_URL and override these themselves.
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# No collectstatic before the tests: serve from the app folders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
