"""`hocba-audit rules …` commands, the `--setting` option, the generated docs/rules.md and
docs/settings.md (kept in sync), and the GDTX pack's label."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hocba_audit.catalogue import Catalogue
from hocba_audit.rule_docs import GDTX_LABEL, rules_markdown, settings_markdown
from hocba_audit.rules_cli import rules, setting_option

from rules_kit import project_catalogue

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return project_catalogue()


@pytest.fixture(autouse=True)
def loaded_once(catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands load the catalogue once per process; here, once per module."""
    monkeypatch.setattr("hocba_audit.rules_cli._catalogue", lambda: catalogue)


def invoke(*args: str):
    return CliRunner().invoke(rules, list(args), catch_exceptions=False)


def test_rules_list_and_show(catalogue: Catalogue) -> None:
    out = invoke("list").output
    assert all(code in out for code in catalogue.codes)
    primary = invoke("list", "--level", "TH").output
    assert "HS-001" in primary and "DIEM-001" not in primary
    card = invoke("show", "hs-003").output
    rule = catalogue["HS-003"]
    for text in (rule.title_vi, rule.title_en, rule.legal_basis, "lỗi", "validity",
                 "1. " + rule.fix[0], "```sql", "substr(id, 4, 1)"):
        assert text in card
    missing = CliRunner().invoke(rules, ["show", "HS-03"])
    assert missing.exit_code == 1 and "did you mean 'HS-0" in missing.output


def test_rules_check_and_settings() -> None:
    assert "rules in" in invoke("check").output
    assert "max_class_size_primary = 35 (int)" in invoke("settings").output


def test_generated_docs_are_in_sync(catalogue: Catalogue) -> None:
    rules_md = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    settings_md = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    hint = "run 'hocba-audit rules docs' (or: python -m hocba_audit.rules_cli docs)"
    assert rules_md == rules_markdown(catalogue), f"docs/rules.md is stale: {hint}"
    assert settings_md == settings_markdown(catalogue.settings), \
        f"docs/settings.md is stale: {hint}"
    for rule in catalogue:
        assert f"### {rule.code} — {rule.title_vi}" in rules_md
    for name, setting in catalogue.settings.items():
        assert f"| `{name}` |" in settings_md and setting.domain_ref.split()[0] in settings_md
    assert "up to date" in invoke("docs", "--check").output


def test_export_gx_writes_suites(tmp_path: Path) -> None:
    out = invoke("export-gx", "--out", str(tmp_path / "gx")).output
    suite = json.loads((tmp_path / "gx" / "hocba_pupils.json").read_text(encoding="utf-8"))
    assert "hocba_pupils.json" in out and suite["name"] == "hocba_pupils"
    assert {e["meta"]["rule_code"] for e in suite["expectations"]} >= {"HS-001", "HS-007"}


def test_setting_option_parses_and_checks_names() -> None:
    @click.command()
    @setting_option
    def run(settings: dict[str, str]) -> None:
        click.echo(json.dumps(settings, sort_keys=True))

    ok = CliRunner().invoke(run, ["--setting", "max_class_size_primary=36",
                                  "--setting", "class_size_counts_departed=false"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output) == {"class_size_counts_departed": "false",
                                     "max_class_size_primary": "36"}
    assert json.loads(CliRunner().invoke(run, []).output) == {}
    bad = CliRunner().invoke(run, ["--setting", "max_class_size_primay=36"])
    assert bad.exit_code == 2 and "did you mean 'max_class_size_primary'?" in bad.output
    wrong = CliRunner().invoke(run, ["--setting", "max_class_size_primary=lots"])
    assert wrong.exit_code == 2 and "is not an int" in wrong.output


def test_every_gdtx_pack_rule_carries_the_unconfirmed_label(catalogue: Catalogue) -> None:
    pack = [r for r in catalogue if Path(r.source.rsplit(":", 1)[0]).name == "gdtx.yaml"]
    assert len(pack) >= 2
    for rule in pack:
        assert rule.levels == ("GDTX",), rule.code
        assert GDTX_LABEL in rule.title_vi and GDTX_LABEL in rule.message, rule.code


def test_messages_quote_the_bad_value_and_fixes_are_steps(catalogue: Catalogue) -> None:
    """A validity or consistency message quotes what is wrong (a missing value has none)."""
    mine = [r for r in catalogue
            if not Path(r.source.rsplit(":", 1)[0]).name.startswith("grading")]
    for rule in mine:
        if rule.category != "completeness":
            assert any(p in rule.message for p in ("{bad_value}", "{reason}")) or (
                set(rule.placeholders) & {"pupil_code", "checkpoint"}), rule.code
        assert len(rule.fix) >= 2 and rule.legal_basis, rule.code
