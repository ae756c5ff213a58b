"""Spreadsheet imports: readers, templates, field registry, mapping, workers (to come)."""
