"""The Authentication API's routes: discovery, ``/authorize`` and the hosted login, ``/oauth/*``."""
