"""Reading what people write by hand: YAML, the exercise library, prescriptions, settings
and imports, each checked with every problem named by file and line."""
