"""circuits layer (see DESIGN.md)."""
