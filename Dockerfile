# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY pyproject.toml README.md ./
COPY app ./app
# Install dependencies and the `tandem` entry point, then drop the installed copy of the code:
# the runtime image runs the source tree, so migrations/ and alembic.ini sit beside it.
RUN pip install . && rm -rf /opt/venv/lib/python3.11/site-packages/app

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 tandem
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/tandem
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/tandem \
    PYTHONUNBUFFERED=1 \
    TANDEM_HOST=0.0.0.0 \
    TANDEM_DATABASE_URL=sqlite+aiosqlite:////home/tandem/tandem.db
USER tandem
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["tandem", "serve"]
