"""Widgets of the playground screen; each has its styles in a .tcss file next to it."""
