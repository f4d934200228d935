"""Statistics for authorities and employers (统计查询, 000 art. 17; 001 §7.3): persons, hours and compliance by
region, industry, employer and year, as JSON pages or one CSV export."""
