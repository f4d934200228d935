"""A person's annual compliance: what their jurisdiction requires, what is credited and pending, the gap."""
