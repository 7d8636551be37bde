import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "dispatch" / "engine"


def test_importing_the_engine_loads_no_django():
    code = "import dispatch.engine, sys; assert not any(m.startswith('django') for m in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_no_engine_module_mentions_django_imports():
    for path in ENGINE.glob("*.py"):
        text = path.read_text()
        assert "import django" not in text and "from django" not in text, path.name


def test_public_api_is_exported():
    import dispatch.engine as engine

    for name in (
        "rank",
        "rank_batch",
        "batch_total_score",
        "is_available",
        "in_business_hours",
        "skill_match",
    ):
        assert callable(getattr(engine, name))
    assert isinstance(engine.ENGINE_VERSION, str)
