"""spice layer (see DESIGN.md)."""
