-- Schema 1: one vault per file.
-- meta:     vault_id (16 random bytes, bound into every AEAD), next_account_id.
-- slots:    the vault key wrapped per way of opening ('pin', 'unblock').
-- lockout:  failed PIN and unblock attempts, written before every check.
-- accounts: one encrypted record per account; only id and order are in clear.
PRAGMA application_id = 1447119700; -- 'VAKT'
CREATE TABLE meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;
CREATE TABLE slots (
    kind    TEXT PRIMARY KEY NOT NULL,
    kdf     BLOB NOT NULL,
    salt    BLOB NOT NULL,
    wrapped BLOB NOT NULL
) STRICT;
CREATE TABLE lockout (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    failed_pin     INTEGER NOT NULL CHECK (failed_pin >= 0),
    failed_unblock INTEGER NOT NULL CHECK (failed_unblock >= 0)
) STRICT;
INSERT INTO lockout (id, failed_pin, failed_unblock) VALUES (1, 0, 0);
CREATE TABLE accounts (
    id       INTEGER PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    sealed   BLOB NOT NULL
) STRICT;
