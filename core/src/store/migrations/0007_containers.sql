-- Schema 7: privacyIDEA smartphone containers (docs/containers.md).
-- containers: one row per container this vault registered with (or was
--             registered with before a rollover moved it elsewhere). `sealed`
--             is the container's record under the vault key: its serial, the
--             server's address, the alias of its device key, the server's
--             policies, its state and which of the vault's entries are its
--             tokens. Nothing of it is readable without the PIN.
CREATE TABLE containers (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    sealed BLOB NOT NULL
) STRICT;
