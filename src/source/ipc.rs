//! Arrow IPC files (Feather v2): one scan unit per file, batches read as they are stored.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::FileReader;

use super::reader::{Capabilities, Reader};
use super::{ordinal, pick_rows, BatchIter, ScanUnit};
use crate::error::{Error, Result};
use crate::storage::{self, Storage, StoreFile};

pub struct IpcFiles {
    storage: Storage,
    files: Vec<StoreFile>,
    schema: SchemaRef,
}

impl IpcFiles {
    pub fn open(storage: Storage, files: Vec<StoreFile>) -> Result<Self> {
        let mut schema: Option<SchemaRef> = None;
        for file in &files {
            let reader = open(&storage, file, None)?;
            let this = reader.schema();
            match &schema {
                Some(first) if first.fields() != this.fields() => {
                    return Err(Error::input(&file.name, format!("its columns differ from those of {}", files[0].name)))
                }
                Some(_) => {}
                None => schema = Some(this),
            }
        }
        let schema = schema.ok_or_else(|| Error::input("arrow", "no files"))?;
        Ok(IpcFiles { storage, files, schema })
    }
}

impl Reader for IpcFiles {
    fn capabilities(&self) -> Capabilities {
        Capabilities { parallel_units: true, reread_by_ordinal: true, ..Capabilities::default() }
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn file_name(&self, file: usize) -> String {
        self.files[file].name.clone()
    }

    fn scan_units(&self, projection: &[usize]) -> Result<Vec<ScanUnit>> {
        let units = self
            .files
            .iter()
            .enumerate()
            .map(|(index, file)| {
                let (storage, file, projection) = (self.storage.clone(), file.clone(), projection.to_vec());
                ScanUnit::new(ordinal(index, 0), move || batches(&storage, &file, &projection))
            })
            .collect();
        Ok(units)
    }

    /// Reads the file start to end, keeping the rows asked for: an IPC file's batches hold no row index.
    fn fetch(&self, file: usize, projection: &[usize], rows: &[u64]) -> Result<RecordBatch> {
        let file = &self.files[file];
        pick_rows(batches(&self.storage, file, projection)?, rows, &file.name)
    }
}

fn open(
    storage: &Storage,
    file: &StoreFile,
    projection: Option<Vec<usize>>,
) -> Result<FileReader<storage::FileReader>> {
    FileReader::try_new(storage.reader(file, 0), projection).map_err(|e| Error::arrow(&file.name, e))
}

fn batches(storage: &Storage, file: &StoreFile, projection: &[usize]) -> Result<BatchIter> {
    let name = file.name.clone();
    let reader = open(storage, file, Some(projection.to_vec()))?;
    Ok(Box::new(reader.map(move |batch| batch.map_err(|e| Error::arrow(&name, e)))))
}
