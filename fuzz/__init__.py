"""Coverage-guided fuzz harnesses (atheris); see ``docs/fuzzing.md``."""
