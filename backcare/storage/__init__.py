"""The one door to the data folder: files, locks, backups and caches."""
