-- REP: SQLite's search joins its FTS5 matches through a narrow (id, project_id) index (see
-- migrations/sqlite of the same name). PostgreSQL's GIN search does not join by id, so it
-- needs none; this keeps the two sets of migrations in step.
SELECT 1;
