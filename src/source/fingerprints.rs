//! What `--pushdown` asks a source to compute where its rows are: per bucket of key hashes, the row count and
//! sums of strong row hashes over a canonical text form of every compared value (encoding
//! [`ENCODING`]), so that only fingerprints cross the network. The forms are named here once; each engine
//! writes them in its own SQL (`queries/pushdown_*.sql`, `sql/pushdown.rs`); recon writes them over a side of
//! files (`text.rs`).

pub mod text;

/// The name of the pushed-down digests: history and reports never compare them with recon's own.
pub const ENCODING: &str = "md5-canonical-text-v1";

/// The canonical text of one compared value, the same on every engine that declares it:
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// An integer by value, in decimal (`-42`).
    Integer,
    /// A decimal by value: decimal text without exponent or trailing fraction zeros (`1.80` → `1.8`, `0.00` → `0`).
    Decimal,
    /// `1` or `0`.
    Boolean,
    /// Days since 1970-01-01, in decimal.
    Date,
    /// Microseconds since 1970-01-01 00:00:00 UTC, in decimal (naive timestamps taken as UTC).
    Instant,
    /// Lowercase hyphenated UUID text, from a native UUID column.
    Uuid,
    /// The UTF-8 text as stored.
    Text,
    /// The UTF-8 text without trailing blanks (a `CHAR(n)` pair).
    Unpadded,
    /// The IEEE 754 bits of a double in hex, after `-0.0` → `0.0` and every NaN → one NaN (PostgreSQL's
    /// `float8send`; no other engine renders a double's bits).
    Float64Bits,
    /// As [`Form::Float64Bits`], for a single-precision pair.
    Float32Bits,
}

/// One statement's request: the key's columns and the compared columns (schema indices, each with its form),
/// the hex digits of the key hash that name a bucket, and the buckets to look into (all when empty).
#[derive(Debug, Clone)]
pub struct BucketRequest {
    pub key: Vec<(usize, Form)>,
    pub values: Vec<(usize, Form)>,
    pub digits: usize,
    /// Prefixes of the key hash's hex text, all of one length below `digits`: only their rows are bucketed.
    pub within: Vec<String>,
    /// Count each bucket's distinct key hashes (a key repeated identically on both sides is still a finding).
    pub distinct_keys: bool,
    /// Whole rows are the key: a NULL in one is a value, not a NULL key the row tier must show.
    pub keyless: bool,
    /// The keys-only pass of `--since-last-run`: `values` is empty and the sums are of the key hash's halves, not
    /// of a row hash over it (one md5 a row, not two). Such sums are compared within one run only, never
    /// reported or kept in history, so they need no encoding name of their own.
    pub keys_only: bool,
}

/// One bucket's fingerprint as the source computed it. The sums are of the row hashes' two 64-bit halves,
/// each wrapped to 64 bits: together 128 bits of sum, whatever the engine's integer widths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The bucket: the key hash's first hex digits.
    pub prefix: String,
    pub rows: u64,
    pub hi: u64,
    pub lo: u64,
    /// Distinct key hashes (equal to `rows` when not asked for).
    pub keys: u64,
    /// Rows the fingerprint cannot vouch for: a NULL key part, or a row text the server could not build.
    pub unsure: u64,
}

impl Bucket {
    /// Whether `other` holds provably the same multiset of rows, none of them needing the row tier.
    pub fn same_as(&self, other: &Bucket) -> bool {
        (self.rows, self.hi, self.lo) == (other.rows, other.hi, other.lo)
            && self.unsure == 0
            && other.unsure == 0
            && self.keys == self.rows
            && other.keys == other.rows
    }
}

/// A sum the server computed exactly (decimal text, possibly negative), wrapped to 64 bits.
pub fn wrapped(sum: &str) -> Option<u64> {
    let exact: i128 = sum.trim().parse().ok()?;
    Some(exact.rem_euclid(1 << 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_and_unsigned_sums_of_the_same_halves_wrap_alike() {
        // PostgreSQL sums the halves as signed bigints, MariaDB as unsigned: congruent modulo 2^64.
        let unsigned: u128 = [u64::MAX, 1u64 << 63, 12345].iter().map(|&v| v as u128).sum();
        let signed: i128 = [u64::MAX, 1u64 << 63, 12345].iter().map(|&v| v as i64 as i128).sum();
        assert_eq!(wrapped(&unsigned.to_string()), wrapped(&signed.to_string()));
        assert_eq!(wrapped("-1"), Some(u64::MAX));
        assert_eq!(wrapped("not a number"), None);
    }

    #[test]
    fn a_repeated_key_or_a_null_key_keeps_a_bucket_from_matching() {
        let bucket = Bucket { prefix: "abc".into(), rows: 2, hi: 1, lo: 2, keys: 2, unsure: 0 };
        assert!(bucket.same_as(&bucket.clone()));
        let repeated = Bucket { keys: 1, ..bucket.clone() };
        assert!(!repeated.same_as(&repeated.clone()));
        let null_key = Bucket { unsure: 1, ..bucket.clone() };
        assert!(!null_key.same_as(&null_key.clone()));
        assert!(!bucket.same_as(&Bucket { lo: 3, ..bucket.clone() }));
    }
}
