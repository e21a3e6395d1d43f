"""The Management API (``/api/v2``): its route table, users and search, config resources, jobs."""
