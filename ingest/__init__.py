"""Data in: raw-table contracts, file readers, landing with quarantine, synthetic generator."""
