"""What this app keeps about people (core.personal_data); declared as its models appear."""
