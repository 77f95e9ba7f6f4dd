-- REP: search of the work-order list (number, owner, phone, location, content) through an
-- index, as complaints are searched (CMP-14), so `q` stays fast at a million orders (SQLite).
-- Keep in step with migrations/postgres of the same name.

-- Which tokeniser indexed the row (propdesk_domain::search::VERSION); 0 = not indexed yet.
-- Rows from before this migration are indexed by Rust (`propdesk migrate`, and in the
-- background at `serve`); until none is left, searches scan with LIKE.
ALTER TABLE work_orders ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX work_orders_search_pending ON work_orders(id) WHERE search_version = 0;

-- The grams of number, owner, phone, location and content, rowid = work_orders.id.
CREATE VIRTUAL TABLE work_order_search USING fts5(grams, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

-- RPT-1: the board counts a project's open orders by status and deadline state; a partial
-- index of the open ones (a few per cent of a million) keeps that a short read. The WHERE
-- must stay word for word the one in models::work_order::board_counts.
CREATE INDEX work_orders_open ON work_orders(project_id, status, next_due) WHERE status NOT IN ('closed', 'cancelled');
