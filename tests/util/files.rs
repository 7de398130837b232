//! Data files the tests write for recon to read.

use arrow::array::RecordBatch;

/// `batch` as a Parquet file at `path`.
pub fn write_parquet(path: &std::path::Path, batch: &RecordBatch) {
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}
