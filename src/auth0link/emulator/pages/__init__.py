"""The hosted pages: the HTML of the login, consent, device and logout screens."""
