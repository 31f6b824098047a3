"""Every number that leaves an organisation: the fixed tables, their suppression, and the requests that map onto them."""
