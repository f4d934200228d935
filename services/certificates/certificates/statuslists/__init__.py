"""W3C Bitstring Status Lists: index allocation, bit flips and the signed status-list credential."""
