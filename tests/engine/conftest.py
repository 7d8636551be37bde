"""Engine tests are plain pytest: no Django, no database. Builders live in builders.py."""
