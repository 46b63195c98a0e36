"""sweeps layer (see DESIGN.md)."""
