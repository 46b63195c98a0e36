"""cells layer (see DESIGN.md)."""
