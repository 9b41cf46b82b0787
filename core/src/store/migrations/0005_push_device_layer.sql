-- Schema 5: push answered from the lock screen.
-- What a push notification needs to be verified and shown is kept a second
-- time, sealed under the device record key (meta device_record_key, wrapped
-- by the device keystore) instead of the vault key, so a locked vault can
-- verify, store, show and decline a challenge without the PIN.
-- push_tokens.shown:     the token without its notification registration
--                        token (serial, label, issuer, url, flags, key
--                        alias, server key); NULL until the first unlock
--                        after this upgrade writes it.
-- push_challenges.shown: the verified challenge (url, title, question,
--                        options); NULL likewise. From this schema on,
--                        push_challenges.sealed holds only the answer given:
--                        empty while there is none, else one byte saying
--                        under which key it is sealed (1 the vault key,
--                        2 the device record key: an answer given while
--                        locked) and the sealed answer. A row whose shown
--                        is NULL still holds the schema-3 record there.
ALTER TABLE push_tokens ADD COLUMN shown BLOB;
ALTER TABLE push_challenges ADD COLUMN shown BLOB;
-- Only a change of the token itself makes a new backup due, not its shown copy.
DROP TRIGGER push_tokens_update_changes;
CREATE TRIGGER push_tokens_update_changes AFTER UPDATE OF sealed ON push_tokens
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
