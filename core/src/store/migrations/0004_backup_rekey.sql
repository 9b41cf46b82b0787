-- Schema 4: every backup under its own backup key.
-- Before, one backup key (meta backup_key, named by backup_id) sealed every
-- backup, with a slot for the current unblock code (backup_slot_unblock) and
-- one for a passphrase (backup_slot_passphrase): whoever held a replaced code
-- or a removed passphrase and any one old backup could open every later one.
-- Now the vault keeps, sealed under the vault key, the key-encryption key of
-- the current unblock code (backup_kek_code) and of the passphrase
-- (backup_kek_passphrase, optional); a backup draws a fresh backup key and id.
-- The old key and slots are dropped here: such a vault makes backups again
-- once it has a new unblock code (the only moment the code is known), as a
-- vault from before backups did. backup_generation stays and keeps counting.
DELETE FROM meta
 WHERE name IN ('backup_key', 'backup_id', 'backup_slot_unblock', 'backup_slot_passphrase');
