"""Contracts the codebase keeps: the dependency rule, and the committed schema documents."""

import subprocess
import sys
from pathlib import Path

from app.config import Settings
from app.main import create_app, graphql_sdl, openapi_document

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_openapi_document_matches_the_code(settings):
    committed = (ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_document(create_app(settings)), "run `tandem export-schema`"


def test_committed_graphql_schema_matches_the_code(settings):
    committed = (ROOT / "openapi" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == graphql_sdl(settings), "run `tandem export-schema`"


def test_the_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"TANDEM_{name.upper()}" in readme, f"README lacks TANDEM_{name.upper()}"
