"""Organisations: employers (用人单位), training institutions (施教机构) and HR and industry authorities (主管部门)."""
