-- Upload sessions are fenced (issue 7). Every claim of a session's lease increments its generation,
-- and every statement that records progress or closes the session names the generation and lease
-- token it holds: a request that lost the session can change nothing. Storage writes are tagged
-- with the generation, so what a lost writer stores afterwards is never read.
--
-- continuable: false once a claim took the lease over from a holder whose lease had lapsed (that
-- holder may still be writing); the next writer then starts a new segment instead of appending to
-- the last one in place. A successful record makes it true again.
ALTER TABLE upload_sessions ADD COLUMN generation bigint NOT NULL DEFAULT 0;
ALTER TABLE upload_sessions ADD COLUMN continuable boolean NOT NULL DEFAULT true;
