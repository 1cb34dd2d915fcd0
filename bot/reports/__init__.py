"""Reports for the pilot: the dashboard's figures (figures, summary), content gaps (gaps), charts, CLI."""
