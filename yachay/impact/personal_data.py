"""What this app keeps about people (core.personal_data): nothing of its own.

The randomisation band is recomputed from the published selection run whenever it is
needed (``impact.band``; docs/impact.md explains why it is not stored), and the answers
it reads are the surveys app's, declared there. So impact has no model to declare. The
evaluator's export holds personal data under pseudonym; each download is an audit row
(``export.csv``), declared by core.
"""
