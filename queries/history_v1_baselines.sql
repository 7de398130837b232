-- Schema version 1: the tables whose open findings were accepted as a baseline (`recon history accept`), and
-- when. Inputs: none.
CREATE TABLE baselines (
    table_name TEXT PRIMARY KEY,
    accepted TEXT NOT NULL
)
