"""Title-evaluation eligibility (职称评聘): whether each year of a window met its continuing-education
requirement, and so whether the person may be evaluated (RULES.md §6; 004 §3, 001 §4, 000 art. 15)."""
