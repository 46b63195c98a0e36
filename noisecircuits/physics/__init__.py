"""physics layer (see DESIGN.md)."""
