-- CMP-14 complaint search and the CMP-2 escalation pass's index (SQLite). Keep in step with
-- migrations/postgres of the same name.

-- Which tokeniser indexed the row (propdesk_domain::search::VERSION); 0 = not indexed yet.
-- SQL cannot cut Chinese into grams, so rows from before this migration are indexed by Rust:
-- `propdesk migrate` indexes them all, and `propdesk serve` does it in the background at start
-- (ops::complaint::index_search_backlog). Until none is left, searches scan with LIKE.
ALTER TABLE complaints ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX complaints_search_pending ON complaints(id) WHERE search_version = 0;

-- The grams of number, complainant, phone and content (space-separated, built in Rust),
-- rowid = complaints.id. Contentless: the text lives in complaints only.
CREATE VIRTUAL TABLE complaint_search USING fts5(grams, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

-- CMP-2: the escalation pass reads only open, valid complaints below major, oldest first, so
-- a pass over a million open cases touches only those that are due. The WHERE must stay
-- word for word the one in models::complaint::escalate_chunk.
CREATE INDEX complaints_escalation_due ON complaints(received_at, id, project_id)
    WHERE severity <> 'major' AND status IN ('received', 'dispatched', 'in_progress', 'resolved', 'awaiting_callback');
