//! Arrow IPC files (Feather v2): one scan unit per file, batches read as they are stored.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::FileReader;

use super::{ordinal, BatchIter, ScanUnit};
use crate::error::{Error, Result};

pub struct IpcFiles {
    files: Vec<PathBuf>,
    schema: SchemaRef,
}

impl IpcFiles {
    pub fn open(files: Vec<PathBuf>) -> Result<Self> {
        let mut schema: Option<SchemaRef> = None;
        for path in &files {
            let reader = open(path, None)?;
            let this = reader.schema();
            match &schema {
                Some(first) if first.fields() != this.fields() => {
                    return Err(Error::input(
                        path.display().to_string(),
                        format!("its columns differ from those of {}", files[0].display()),
                    ))
                }
                Some(_) => {}
                None => schema = Some(this),
            }
        }
        let schema = schema.ok_or_else(|| Error::input("arrow", "no files"))?;
        Ok(IpcFiles { files, schema })
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    pub fn path(&self, file: usize) -> &Path {
        &self.files[file]
    }

    pub fn scan_units(&self, projection: &[usize]) -> Vec<ScanUnit> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, path)| {
                let (path, projection) = (path.clone(), projection.to_vec());
                ScanUnit { first: ordinal(index, 0), open: Box::new(move || batches(&path, &projection)) }
            })
            .collect()
    }

    pub fn open_file(&self, file: usize, projection: &[usize]) -> Result<BatchIter> {
        batches(&self.files[file], projection)
    }
}

fn open(path: &Path, projection: Option<Vec<usize>>) -> Result<FileReader<BufReader<File>>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    FileReader::try_new(BufReader::new(file), projection).map_err(|e| Error::arrow(path.display().to_string(), e))
}

fn batches(path: &Path, projection: &[usize]) -> Result<BatchIter> {
    let location = path.display().to_string();
    let reader = open(path, Some(projection.to_vec()))?;
    Ok(Box::new(reader.map(move |batch| batch.map_err(|e| Error::arrow(&location, e)))))
}
