-- Schema 2: backups.
-- changes: one row whose seq goes up with every change to an account and to
--          the backup key material ('backup_*' rows of meta), in the same
--          transaction as the change: an app compares it with the value at its
--          last stored backup to know whether a new one is due.
-- meta gains (no schema change needed, listed for reference):
--   backup_key             the backup key sealed under the vault key
--   backup_id              16 random bytes naming the backup key
--   backup_generation      u32: how many unblock codes this backup key has had
--   backup_slot_unblock    the backup key sealed under the current unblock code
--   backup_slot_passphrase the backup key sealed under a backup passphrase (optional)
CREATE TABLE changes (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL CHECK (seq >= 0)
) STRICT;
INSERT INTO changes (id, seq) VALUES (1, 0);
CREATE TRIGGER accounts_insert_changes AFTER INSERT ON accounts
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_update_changes AFTER UPDATE ON accounts
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_delete_changes AFTER DELETE ON accounts
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER backup_meta_insert_changes AFTER INSERT ON meta WHEN NEW.name GLOB 'backup_*'
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER backup_meta_update_changes AFTER UPDATE ON meta WHEN NEW.name GLOB 'backup_*'
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER backup_meta_delete_changes AFTER DELETE ON meta WHEN OLD.name GLOB 'backup_*'
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
