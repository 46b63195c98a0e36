"""sde layer (see DESIGN.md)."""
