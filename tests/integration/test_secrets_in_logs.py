"""No secret reaches the logs: a real `tandem serve`, at DEBUG with JSON logs, is sent every
kind of credential and hands out every kind of secret; then its whole output is searched."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt

from tests.integration.helpers import tandem

JWT_SECRET = "a-jwt-secret-only-this-test-knows-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database_url: str, port: int) -> subprocess.Popen:
    environment = os.environ | {
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_JWT_SECRET": JWT_SECRET,
        "TANDEM_LOG_LEVEL": "DEBUG",
        "TANDEM_LOG_FORMAT": "json",
        "TANDEM_IN_PROCESS_SCHEDULER": "false",
    }
    environment.pop("TANDEM_REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("tandem serve did not come up")


def test_no_secret_appears_in_the_logs_of_a_run(database_url):
    created = tandem("create-tenant", "Secretive", database_url=database_url)
    assert created.returncode == 0, created.stderr
    admin_key = next(word for word in created.stdout.split() if word.startswith("tdm_"))
    tenant_id = created.stdout.split("(", 1)[1].split(")", 1)[0]
    token = jwt.encode(
        {
            "exp": datetime.now(UTC) + timedelta(minutes=5),
            "tenant": tenant_id,
            "roles": ["hr_admin"],
        },
        JWT_SECRET,
        "HS256",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(database_url, port)
    secrets = {"the JWT secret": JWT_SECRET, "the admin key": admin_key, "a JWT": token}
    try:
        wait_until_up(base, process)
        with httpx.Client(base_url=base, timeout=30) as client:
            as_admin = {"X-API-Key": admin_key}
            issued = client.post(
                "/v1/api-keys", json={"name": "lms", "roles": ["integration"]}, headers=as_admin
            )
            assert issued.status_code == 201, issued.text
            secrets["an issued key"] = issued.json()["key"]
            bearer = {"Authorization": f"Bearer {issued.json()['key']}"}
            assert client.get("/v1/me", headers=bearer).status_code == 200
            as_jwt = {"Authorization": f"Bearer {token}"}
            assert client.get("/v1/me", headers=as_jwt).status_code == 200
            query = {"query": "{ viewer { roles } }"}
            assert client.post("/graphql", json=query, headers=as_jwt).status_code == 200
            wrong = admin_key[:-6] + "XXXXXX"
            secrets["a wrong key"] = wrong
            assert client.get("/v1/me", headers={"X-API-Key": wrong}).status_code == 401
            forged = jwt.encode({"tenant": tenant_id, "roles": ["hr_admin"]}, "x" * 40, "HS256")
            secrets["a forged JWT"] = forged
            refused = client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
            assert refused.status_code == 401
            hook = client.post(
                "/v1/webhook-subscriptions",
                json={"url": "https://hooks.example.com/tandem"},
                headers=as_jwt,
            )
            assert hook.status_code == 201, hook.text
            secrets["a webhook secret"] = hook.json()["secret"]
            rotated = client.post(
                f"/v1/webhook-subscriptions/{hook.json()['id']}:rotate-secret", headers=as_jwt
            )
            assert rotated.status_code == 200, rotated.text
            secrets["a rotated webhook secret"] = rotated.json()["secret"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    logs = created.stderr + output
    assert logs.count('"request_id"') >= 8  # the run did log, one line per request at least
    leaked = {name for name, secret in secrets.items() if secret in logs}
    where = [line[:120] for line in logs.splitlines() if any(secrets[n] in line for n in leaked)]
    assert not leaked, (sorted(leaked), where[:3])
