"""The bench's ceiling: a plain Django view that inserts one row (never in production)."""
