"""Policy packs: each jurisdiction's requirements and crediting rules as data (``packs/*.toml``), the loader
that checks them, the resolution of a person's rules from their region (most specific first) and the pure
credit arithmetic. Adding a province is adding a pack file and its tests."""
