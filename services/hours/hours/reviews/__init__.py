"""Reviews of learning records: the employer's first review (初审), then certification by the HR authority
(public subjects) or the industry authority (professional subjects), 000 art. 14."""
