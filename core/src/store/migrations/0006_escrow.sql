-- Schema 6: escrow of the unblock code to an organisation.
-- meta escrow_org:          the organisation's public key (clear text, as
--                           handed out), present while escrow is on;
-- meta escrow_hint:         the organisation's account hint, sealed under the
--                           vault key;
-- meta escrow_delivered_at: when a record was last handed over (Unix seconds).
-- escrow_records: one row per unblock code made while escrow is on, written
--                 in the same transaction as the code's slot. `record` is
--                 already sealed to the organisation's key (HPKE), so it is
--                 kept outside the vault key's encryption and can be handed
--                 over without the PIN, also from a blocked vault.
--                 delivered_at is NULL until it has been handed over.
CREATE TABLE escrow_records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    generation   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    record       BLOB NOT NULL,
    delivered_at INTEGER
) STRICT;
