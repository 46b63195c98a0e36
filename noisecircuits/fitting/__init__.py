"""fitting layer (see DESIGN.md)."""
