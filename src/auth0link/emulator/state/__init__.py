"""The tenant's state: clients, connections, users and their stores, and the files it loads and saves."""
