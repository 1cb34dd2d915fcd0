"""Search: query expansion, hybrid ranking and the calibrated confidence behind every decision."""
