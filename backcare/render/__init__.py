"""The terminal: views, prompts and the guided session's screen."""
