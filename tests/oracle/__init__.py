"""The oracle harness: real PostgreSQL servers (15 from Debian, 16 from a PyPI wheel) that the
test suite starts itself on loopback, shaped like Aurora, and a way to run one rolled-back case
on them. See tests/oracle/servers.py and docs/testing.md."""
