"""The e-certificate: one per person (一人一证, 000 art. 14), the continuous record of their certified
continuing education (000 art. 15)."""
