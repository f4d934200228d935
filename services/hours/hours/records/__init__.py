"""Learning records: pushed by institutions in batches, declared by people and employers, read by those
with rights over them."""
