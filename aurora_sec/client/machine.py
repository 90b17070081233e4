"""The client machine a driver runs on: environment variables, an in-memory file system, a home.

libpq reads environment variables (``PGSSLMODE``, ``PGHOST``, ...) and files
(``~/.postgresql/root.crt``, ``~/.pgpass``, ``~/.pg_service.conf``, ``sslrootcert=<path>``).
A :class:`ClientMachine` holds both, immutably, so a parse or a connection attempt is a pure
function of (connection string, machine, driver version).

File names are normalised once: ``~/x`` becomes ``<home>/x`` and a relative name is taken
relative to the working directory (the home directory unless ``cwd`` says otherwise), the
way a process started in its home directory would resolve it.

The defaults (user ``ec2-user``, home ``/home/ec2-user``) are a documented choice of the
emulator: a client of an Aurora cluster is typically an EC2 instance. Nothing depends on
them except the texts that name default paths (``root certificate file
"/home/ec2-user/.postgresql/root.crt" does not exist``) and the default user name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = ["ClientMachine"]


def _freeze_env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(env or {}))


def _freeze_files(files: Mapping[str, bytes | str] | None) -> Mapping[str, bytes | str]:
    return MappingProxyType(dict(files or {}))


@attrs.frozen
class ClientMachine:
    """An immutable client machine: environment, files, OS user, home and working directory."""

    env: Mapping[str, str] = attrs.field(factory=dict, converter=_freeze_env)
    files: Mapping[str, bytes | str] = attrs.field(factory=dict, converter=_freeze_files)
    #: The OS user name (libpq's default ``user``, pgjdbc's ``user.name``).
    os_user: str = "ec2-user"
    #: The home directory; None means libpq cannot determine one (no default files at all).
    home: str | None = "/home/ec2-user"
    #: The working directory relative file names are resolved against (default: home or /).
    cwd: str | None = None
    _index: Mapping[str, bytes] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index: dict[str, bytes] = {}
        for name, data in self.files.items():
            content = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            index[self.path(name)] = content
        object.__setattr__(self, "_index", MappingProxyType(index))

    @property
    def working_directory(self) -> str:
        return self.cwd or self.home or "/"

    def path(self, name: str) -> str:
        """The normalised absolute path of ``name`` on this machine."""
        if name == "~" or name.startswith("~/"):
            name = (self.home or "/") + name[1:]
        if not name.startswith("/"):
            name = posixpath.join(self.working_directory, name)
        return posixpath.normpath(name)

    def getenv(self, name: str) -> str | None:
        return self.env.get(name)

    def exists(self, name: str) -> bool:
        """Whether a file of that name exists (libpq's ``stat() == 0``)."""
        return bool(name) and self.path(name) in self._index

    def read(self, name: str) -> bytes | None:
        """The bytes of a file, or None if it does not exist."""
        if not name:
            return None
        return self._index.get(self.path(name))

    def with_env(self, **env: str) -> ClientMachine:
        """A copy with more (or changed) environment variables."""
        return attrs.evolve(self, env={**self.env, **env})

    def with_files(self, files: Mapping[str, bytes | str]) -> ClientMachine:
        """A copy with more (or replaced) files."""
        return attrs.evolve(self, files={**self.files, **files})
