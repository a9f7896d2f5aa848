# The image of the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's runtime libraries (text layout, font subsetting) and a font for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The dependencies first (pyproject.toml has no packages: this installs only them), so
# that a change of code does not install them again.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# The processes run unprivileged; they write only uploaded files and collected statics.
RUN useradd --system --uid 1000 --no-create-home --home-dir /app entrepairs \
    && mkdir -p /app/media /app/staticfiles \
    && chown entrepairs /app/media /app/staticfiles
USER entrepairs

EXPOSE 8000
CMD ["gunicorn", "coop.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
