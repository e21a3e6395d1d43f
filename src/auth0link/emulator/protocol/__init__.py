"""Protocol logic without HTTP: grants, token minting, keys, CORS, rate and attempt limits."""
