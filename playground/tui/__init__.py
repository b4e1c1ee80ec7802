"""The Textual front end. Nothing outside this package imports Textual, and
nothing in the core imports this package."""
