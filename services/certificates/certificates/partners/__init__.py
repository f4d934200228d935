"""The partner provinces we trust (000 art. 22): their registry, and the directory that turns them into trusted
issuers for the verifier."""
