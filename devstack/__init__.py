"""Development and test support shared by tests/, bench/ and scripts/: the whole
assistant as processes on free ports, stand-ins for vendors, migrated test databases."""
