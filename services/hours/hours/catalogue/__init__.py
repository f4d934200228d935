"""The subject catalogue (科目指南): the year's public subjects published by HR authorities and the professional
guides of industry authorities (000 art. 3; 001 §2.1), with Kaifeng's required (必修) courses (004 §3)."""
