-- Schema 3: push tokens (privacyIDEA) and the challenges they received.
-- push_tokens:     one encrypted record per token; ids come from the same
--                  sequence as account ids (meta next_account_id), so an id
--                  names one thing in the vault.
-- push_challenges: every verified challenge, kept after it is answered or
--                  expired so that a replay is recognised. Only the token, the
--                  server's nonce (random, public), times and state are in clear;
--                  title, question, options and the answer are sealed.
--                  state: 1 open, 2 answer being sent (committed before it is
--                  sent, so a crash leaves it retryable), 3 answered, 4 closed
--                  by the server.
CREATE TABLE push_tokens (
    id     INTEGER PRIMARY KEY NOT NULL,
    sealed BLOB NOT NULL
) STRICT;
CREATE TABLE push_challenges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id    INTEGER NOT NULL,
    nonce       TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    state       INTEGER NOT NULL CHECK (state BETWEEN 1 AND 4),
    sealed      BLOB NOT NULL,
    UNIQUE (token_id, nonce)
) STRICT;
-- Push tokens are part of backups: changing them makes a new backup due.
CREATE TRIGGER push_tokens_insert_changes AFTER INSERT ON push_tokens
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER push_tokens_update_changes AFTER UPDATE ON push_tokens
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER push_tokens_delete_changes AFTER DELETE ON push_tokens
BEGIN UPDATE changes SET seq = seq + 1 WHERE id = 1; END;
