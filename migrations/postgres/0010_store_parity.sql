-- wangge schema, PostgreSQL flavour: the two flavours agree (the catalogs
-- are compared by tests/tests/schema_parity.rs) and the claim-rule defaults
-- have one source. Kept equal (table, column, index and trigger names) to
-- migrations/sqlite/0010_store_parity.sql.
--
-- The default claim rule of each cell type comes from
-- crates/wangge-model/cell_types.csv (columns claimed_by and
-- claim_needs_approval), seeded by the store at connect wherever a type has
-- no rule, as the cell types are. 0003 copied those defaults into both
-- migrations; the rows it inserted that nobody has changed are removed here
-- and seeded again from the CSV right after the migrations, so the CSV is
-- the one source of the defaults. Rules an operator changed are kept.
DELETE FROM claim_type_rules
WHERE (cell_type IN ('01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13')
       AND zhengqi AND NOT community AND needs_approval)
   OR (cell_type IN ('14', '15', '16', '17', '18', '19', '20')
       AND NOT zhengqi AND community AND NOT needs_approval);

-- 0003 named the append-only triggers of claim_history differently here
-- (claim_history_no_change, claim_history_no_truncate) than in SQLite
-- (claim_history_no_update, claim_history_no_delete). The SQLite names win;
-- TRUNCATE joins DELETE, which therefore fires per statement (a TRUNCATE
-- trigger cannot fire per row): any DELETE of the history is refused, even
-- of no rows.
DROP TRIGGER claim_history_no_change ON claim_history;
DROP TRIGGER claim_history_no_truncate ON claim_history;
CREATE TRIGGER claim_history_no_update BEFORE UPDATE ON claim_history
    FOR EACH ROW EXECUTE FUNCTION claim_history_append_only();
CREATE TRIGGER claim_history_no_delete BEFORE DELETE OR TRUNCATE ON claim_history
    FOR EACH STATEMENT EXECUTE FUNCTION claim_history_append_only();
