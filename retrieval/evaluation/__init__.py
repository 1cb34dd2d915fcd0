"""Question sets through the search, and what citizens would experience (citizen_metrics)."""
