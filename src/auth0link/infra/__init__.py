"""Infrastructure the use cases run on: not what a command does, but what it does it with.

The pacer (one rate limit for every worker), the batch journal and run files, the e-mail index
(a temporary SQLite file), reading and running users exports, the suggest/batch-link pipe format
(the one owner of its TSV columns and JSON lines, written and read) and the session index. No
click, no rich; a use case builds and owns them.
"""
