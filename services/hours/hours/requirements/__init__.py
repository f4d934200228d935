"""Higher yearly requirements an industry authority sets for its industry (001 §2.2: 国家和省行业主管部门规定
高于上述学时的，从其规定)."""
