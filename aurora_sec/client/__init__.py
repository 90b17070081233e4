"""The client side: what libpq and pgjdbc do before and while they talk to a server.

Everything here sees only what a driver sees (connection strings, environment variables,
files, certificate bytes, protocol answers and error texts) and knows nothing of the
server's internals:

* :mod:`aurora_sec.client.machine`: the client machine (environment, in-memory files, home).
* :mod:`aurora_sec.client.conninfo`: libpq connection strings and URIs, environment
  defaults and option validation, with libpq's exact error texts per major version.
* :mod:`aurora_sec.client.jdbc_url`: pgjdbc ``jdbc:postgresql://`` URLs and properties.
* :mod:`aurora_sec.client.certificates`: the RDS CA hierarchy and per-instance server
  certificates, built with ``cryptography``.
* :mod:`aurora_sec.client.verify`: libpq's and pgjdbc's server certificate checks, sans-IO.
* :mod:`aurora_sec.client.negotiation`: the sslmode state machines as data tables.
"""
