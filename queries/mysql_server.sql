-- Which server recon talks to and how it cuts fraction digits: MariaDB truncates a value with more fraction
-- digits than its column declares unless sql_mode has TIME_ROUND_FRACTIONAL; MySQL 8 rounds unless it has
-- TIME_TRUNCATE_FRACTIONAL. The global mode is what the clients that wrote the data started with.
-- Output: version (MariaDB's contains 'MariaDB'), sql_mode.
SELECT CAST(VERSION() AS CHAR) AS version, CAST(@@GLOBAL.sql_mode AS CHAR) AS sql_mode
