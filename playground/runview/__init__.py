"""What a run looks like to whoever watches it, folded from the engine's
events in one place (`fold`). Plain Python, free of Textual: the TUI's
columns, the CLI and history read the same state."""
