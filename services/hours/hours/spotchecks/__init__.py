"""Spot checks (抽查审验, 000 art. 16): authorities draw random samples of certified records in their scope
and record the result of checking each; a failed check withdraws the hours by a reversing ledger entry."""
