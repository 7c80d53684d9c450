"""The engine is pure: importing it loads no web framework, no database layer, no app code."""
import json
import subprocess
import sys

FORBIDDEN = ("flask", "sqlalchemy", "forum", "knowledgebase", "werkzeug", "jinja2")


def test_engine_import_loads_no_framework_or_app_modules():
    code = ("import json, sys; import moderation.engine, moderation.engine.evaluate, "
            "moderation.engine.dryrun, moderation.engine.trust; "
            f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []


def test_engine_model_training_loads_no_framework_or_app_modules():
    code = ("import json, sys; from moderation.engine.model import train_bundle; "
            "train_bundle({'spam.classifier': [('buy now', 1), ('hello there', 0)] * 3}, "
            "min_df=1); "
            f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []
