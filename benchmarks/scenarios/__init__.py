"""The scenarios B1–B5 and D1, each a module with ``run(ctx) -> Section``."""
