-- FEE-4 / FEE-8: a month's sign-off with finance also counts the prepaid electricity bought that
-- month (receipted from the same receipt book), so every receipt of the month is agreed (SQLite).
-- Keep in step with migrations/postgres.
ALTER TABLE payment_reconciliations ADD COLUMN purchases INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_reconciliations ADD COLUMN purchase_amount INTEGER NOT NULL DEFAULT 0;
