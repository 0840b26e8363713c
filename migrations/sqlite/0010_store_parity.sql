-- wangge schema, SQLite flavour: the two flavours agree (the catalogs
-- are compared by tests/tests/schema_parity.rs) and the claim-rule defaults
-- have one source. Kept equal (table, column, index and trigger names) to
-- migrations/postgres/0010_store_parity.sql.
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
       AND zhengqi = 1 AND community = 0 AND needs_approval = 1)
   OR (cell_type IN ('14', '15', '16', '17', '18', '19', '20')
       AND zhengqi = 0 AND community = 1 AND needs_approval = 0);

-- The append-only triggers of claim_history keep their 0003 names here
-- (claim_history_no_update, claim_history_no_delete); the PostgreSQL
-- flavour renames its own to match.
