"""CSV import from another MMS: check the whole file, then write it all or nothing."""
