"""energy layer (see DESIGN.md)."""
