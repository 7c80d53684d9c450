"""The dependency direction in DESIGN.md, enforced by import-linter's contracts."""
import os

from importlinter.cli import lint_imports


def test_import_contracts_kept():
    here = os.getcwd()
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        assert lint_imports(no_cache=True) == 0
    finally:
        os.chdir(here)
