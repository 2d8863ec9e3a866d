"""Docs that are generated from declarations must match them."""

from hocba_audit.data_model_doc import data_model_markdown
from hocba_audit.model import TABLES
from hocba_audit.paths import project_dir


def test_data_model_doc_matches_the_model_and_profiles():
    text = (project_dir() / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert text == data_model_markdown(), "docs/data-model.md is stale: run 'hocba-audit docs'"


def test_data_model_doc_names_every_table_and_column():
    text = (project_dir() / "docs" / "data-model.md").read_text(encoding="utf-8")
    for t in TABLES:
        assert f"## `{t.name}`" in text
        for c in t.columns:
            assert f"| `{c.name}` |" in text, (t.name, c.name)


def test_readme_starts_with_the_two_commands():
    lines = (project_dir() / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```bash") + 3]
    assert block[0].startswith("bash scripts/demo.sh") and block[1].startswith("bash scripts/test.sh")
