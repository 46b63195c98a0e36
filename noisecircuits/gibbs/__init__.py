"""gibbs layer (see DESIGN.md)."""
