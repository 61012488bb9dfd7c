-- Signing keys can be revoked (issue 7): a revoked key verifies nothing from the moment it is
-- revoked, unlike a retired one, which verifies until retired_at + wharf.auth.key-grace.
--
-- jwk holds the private key in one of two self-describing forms: a JSON object ('{...}', the JWK
-- in clear, as V2 wrote it and as servers without a key-encryption key write it), or a JWE compact
-- serialization ('eyJ...', alg "dir", enc "A256GCM", kid = this row's kid) sealed with
-- wharf.auth.key-encryption-key. Servers with a key-encryption key seal clear rows at start.
ALTER TABLE signing_keys ADD COLUMN revoked_at timestamptz;
