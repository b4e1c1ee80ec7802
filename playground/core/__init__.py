"""Types shared by every layer. Free of Textual and of any I/O."""
