"""Make the hand-written fixtures and the fake embedder importable for these tests."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
