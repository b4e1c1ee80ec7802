"""Plain-text renderings for the headless CLI (no Textual)."""
