"""Employer annual assessments (年度考核验证, 001 §2.3): each year the employer assesses each staff member's
continuing education and signs an opinion; the platform keeps every signing with the year's standing at that
moment, the latest being the current opinion."""
