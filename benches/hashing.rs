//! Criterion benchmarks of recon's hot loops: encode + hash throughput per column type (bytes of Arrow
//! data per second, one thread), and the fingerprint tier on digests that differ in 0.01% of rows.

use std::sync::Arc;

use arrow::array::{ArrayRef, Decimal128Array, Decimal64Array, Float64Array, Int64Array, StringArray};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use recon::compare::buckets::residue;
use recon::digest::spill::Partition;
use recon::digest::{bucket_bits, digest_batch, RowDigest, PARTITIONS};

const ROWS: usize = 8192;

fn columns() -> Vec<(&'static str, ArrayRef)> {
    let ints: ArrayRef = Arc::new(Int64Array::from_iter_values((0..ROWS as i64).map(|i| i * 7919)));
    let floats: ArrayRef = Arc::new(Float64Array::from_iter_values((0..ROWS).map(|i| i as f64 * 0.37)));
    let decimals: ArrayRef = Arc::new(
        Decimal128Array::from_iter_values((0..ROWS as i128).map(|i| i * 101)).with_precision_and_scale(15, 2).unwrap(),
    );
    // How pass one reads a Parquet decimal of up to 18 digits.
    let narrow: ArrayRef = Arc::new(
        Decimal64Array::from_iter_values((0..ROWS as i64).map(|i| i * 101)).with_precision_and_scale(15, 2).unwrap(),
    );
    let strings: ArrayRef =
        Arc::new(StringArray::from_iter_values((0..ROWS).map(|i| format!("comment number {i} of the batch"))));
    vec![("int64", ints), ("float64", floats), ("decimal128", decimals), ("decimal64", narrow), ("utf8", strings)]
}

fn encode_and_hash(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_and_hash");
    let keys: ArrayRef = Arc::new(Int64Array::from_iter_values(0..ROWS as i64));
    for (name, column) in columns() {
        // Throughput counts every hashed column's Arrow bytes: the key and eight value columns.
        let values = vec![column.clone(); 8];
        let bytes = keys.get_buffer_memory_size() + 8 * column.get_buffer_memory_size();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::new("key + 8 columns", name), &values, |b, values| {
            b.iter(|| {
                let mut n = 0u64;
                digest_batch(std::slice::from_ref(&keys), values, false, 0, |d| n ^= d.row_lo, |_, _| {}).unwrap();
                n
            })
        });
    }
    group.finish();
}

fn side(rows: u64, changed_every: u64, salt: u64) -> Vec<Partition> {
    let mut partitions = vec![Vec::new(); PARTITIONS];
    for i in 0..rows {
        let key = xxhash_rust::xxh3::xxh3_128(&i.to_le_bytes());
        let row = if i % changed_every == 0 { key ^ salt as u128 } else { !key };
        let d = RowDigest {
            key_hi: (key >> 64) as u64,
            key_lo: key as u64,
            row_hi: (row >> 64) as u64,
            row_lo: row as u64,
            ordinal: i,
        };
        partitions[d.partition()].push(d);
    }
    partitions.into_iter().map(Partition::from_rows).collect()
}

fn fingerprint_tier(c: &mut Criterion) {
    let rows = 1_000_000;
    let mut group = c.benchmark_group("fingerprint_tier");
    group.throughput(Throughput::Elements(2 * rows));
    group.sample_size(10);
    group.bench_function("1M rows a side, 0.01% differ", |b| {
        b.iter_batched(
            || (side(rows, 10_000, 0), side(rows, 10_000, 1)),
            |(s, t)| residue(s.into_iter().zip(t).collect(), bucket_bits(rows), false).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, encode_and_hash, fingerprint_tier);
criterion_main!(benches);
