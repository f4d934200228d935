"""Recognition of partner provinces' statements (000 art. 22): verify, credit the certified hours in our ledger
once, record it; and the re-verification that reverses them when the partner revokes the statement."""
