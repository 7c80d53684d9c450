"""knowledgebase.similarity stays pure: no web framework, ORM, forum code or torch on import."""
import json
import subprocess
import sys

FORBIDDEN = ("flask", "sqlalchemy", "forum", "moderation", "torch", "sentence_transformers",
             "transformers")


def test_similarity_import_loads_no_app_or_model_code():
    code = ("import json, sys; import knowledgebase.similarity; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded = set(json.loads(out.stdout))
    assert "sklearn" in loaded
    assert loaded.isdisjoint(FORBIDDEN), loaded & set(FORBIDDEN)
