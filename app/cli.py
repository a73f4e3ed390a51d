"""The `tandem` command: serve, worker, migrate, create-tenant, seed-demo, export-schema."""

import argparse
import asyncio
import sys
from pathlib import Path

from app.config import Settings
from app.domain.errors import InvalidInput
from app.observability import configure_logging

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "openapi"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tandem", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="Run the API (migrates an embedded database first).")
    serve.add_argument("--host", help="Bind address (default: TANDEM_HOST).")
    serve.add_argument("--port", type=int, help="Port (default: TANDEM_PORT).")
    commands.add_parser("worker", help="Run the arq worker (needs TANDEM_REDIS_URL).")
    commands.add_parser("migrate", help="Apply database migrations up to the latest.")
    tenant = commands.add_parser("create-tenant", help="Create an organisation and its admin key.")
    tenant.add_argument("name")
    demo = commands.add_parser("seed-demo", help="Create a demo organisation to try the API on.")
    demo.add_argument("--name", help="The organisation's name (default: Tandem Demo).")
    demo.add_argument("--seed", type=int, help="Seed for the generated people (default: 7).")
    export = commands.add_parser("export-schema", help="Write openapi.json and schema.graphql.")
    export.add_argument("--out", type=Path, default=SCHEMA_DIR)
    export.add_argument("--check", action="store_true", help="Fail if the files are out of date.")

    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    handler = {
        "serve": _serve,
        "worker": _worker,
        "migrate": _migrate,
        "create-tenant": _create_tenant,
        "seed-demo": _seed_demo,
        "export-schema": _export_schema,
    }[args.command]
    return handler(settings, args)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    try:
        settings.check_serving()
    except ValueError as error:
        print(f"tandem serve: {error}", file=sys.stderr)
        return 2
    if settings.embedded:
        asyncio.run(_upgrade(settings))
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        log_config=None,
        proxy_headers=True,
    )
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from arq import run_worker

    from app.main import build_worker_settings

    run_worker(build_worker_settings(settings))
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(_upgrade(settings))
    print("Database is at the latest migration.")
    return 0


def _create_tenant(settings: Settings, args: argparse.Namespace) -> int:
    from app.adapters.db.engine import create_engine
    from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
    from app.services.tenants import create_tenant

    async def run() -> int:
        if settings.embedded:
            await _upgrade(settings)
        engine = create_engine(settings.database_url)
        try:
            created = await create_tenant(SqlUnitOfWorkFactory(engine)(), name=args.name)
        except InvalidInput as error:
            return _refused(error)
        finally:
            await engine.dispose()
        print(f"Tenant:  {created.tenant.name} ({created.tenant.id})")
        print(f"API key: {created.admin_key.plaintext}")
        print("This key has the hr_admin role and is shown only now: store it safely.")
        return 0

    return asyncio.run(run())


def _seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from app.adapters.db.engine import create_engine
    from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
    from app.services.demo import DEFAULT_NAME, DEFAULT_SEED, seed_demo

    async def run() -> int:
        if settings.embedded:
            await _upgrade(settings)
        engine = create_engine(settings.database_url)
        try:
            demo = await seed_demo(
                SqlUnitOfWorkFactory(engine),
                name=DEFAULT_NAME if args.name is None else args.name,
                seed=DEFAULT_SEED if args.seed is None else args.seed,
            )
        except InvalidInput as error:
            return _refused(error)
        finally:
            await engine.dispose()
        counts = ", ".join(
            f"{n} {what.replace('_', ' ')}" for what, n in asdict(demo.counts).items()
        )
        print(f"Tenant:  {demo.tenant.name} ({demo.tenant.id})")
        print(f"API key: {demo.admin_key}")
        print("This key has the hr_admin role and is shown only now: store it safely.")
        print(f"Created: {counts}.")
        print("Try it:")
        print(
            f'  curl -H "Authorization: Bearer {demo.admin_key}" '
            f'"http://{settings.host}:{settings.port}/v1/employees?limit=5"'
        )
        print("Then, with the same key:")
        for path, what in (
            ("GET  /v1/development-plans", "the plans finalising assessments generated"),
            ("GET  /v1/assessments?status=awaiting_manager", "assessments left to finalise"),
            ("POST /v1/assessments/{id}:finalise", "finalise one and watch its plan appear"),
            ("GET  /v1/training-needs?group_by=tenant", "what the catalogue cannot teach yet"),
        ):
            print(f"  {path:<46} {what}")
        return 0

    return asyncio.run(run())


def _refused(error: InvalidInput) -> int:
    print(f"error: {error.detail}", file=sys.stderr)
    for item in error.errors:
        print(f"  {item.field}: {item.message}", file=sys.stderr)
    return 2


def _export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from app.main import create_app, graphql_sdl, openapi_document

    documents = {
        "openapi.json": openapi_document(create_app(settings)),
        "schema.graphql": graphql_sdl(settings),
    }
    stale = [name for name, text in documents.items() if _read(args.out / name) != text]
    if args.check:
        for name in stale:
            print(f"{args.out / name} is out of date: run `tandem export-schema`.", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (args.out / name).write_text(text, encoding="utf-8")
    return 0


async def _upgrade(settings: Settings) -> None:
    from app.adapters.db.engine import create_engine
    from app.adapters.db.migrations import upgrade_to_head

    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
