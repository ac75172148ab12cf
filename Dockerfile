# Production image: gunicorn serves the app, whitenoise serves the collected static files.
# The same image runs the web server, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=ippcase.settings.production

# WeasyPrint's system libraries (PDF dossiers) and fonts for them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 \
      fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 ippcase \
 && useradd --system --uid 10001 --gid ippcase --home-dir /app --shell /usr/sbin/nologin ippcase

WORKDIR /app

# The production lock: no test tools, no embedded PostgreSQL/Redis.
COPY requirements-prod.lock ./
RUN pip install --no-deps -r requirements-prod.lock

COPY . .
# Byte-compile the app once here (pip compiled the libraries): with PYTHONDONTWRITEBYTECODE
# every process would otherwise compile it again at start-up (docs/performance.md).
RUN python -m compileall -q ippcase recall parole

# Static files are collected at build time; the secret here exists only for this command.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    python manage.py collectstatic --noinput --verbosity 0

USER ippcase
EXPOSE 8000

# No gunicorn access log: its lines hold request paths, which hold CRNs and search terms. The
# app logs each request by route pattern with a request id instead (docs/operations.md).
CMD ["gunicorn", "ippcase.wsgi:application", "--bind", "0.0.0.0:8000"]
