-- REP: a search's FTS5 matches are joined to their orders by id, newest first; a common word
-- within one project of ten reads ten matches per order it keeps. This narrow index answers
-- the project check without reading the order's row (models::search_index::Indexed::join_index).
-- Keep in step with migrations/postgres of the same name.
CREATE INDEX work_orders_id_project ON work_orders(id, project_id);
