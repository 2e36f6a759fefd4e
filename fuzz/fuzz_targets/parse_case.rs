//! Fuzzes the whole case pipeline: bytes -> source -> YAML tree -> compile -> render diagnostics.
#![no_main]

use dsl::source::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = SourceFile::from_bytes(Path::new("fuzz.yaml"), data.to_vec()) else { return };
    let out = dsl::compile(&file, &dsl::Testbed::builtin());
    for d in &out.diagnostics {
        assert!(d.span.end as usize <= file.text().len());
        let _ = d.render(&file, false);
    }
});
