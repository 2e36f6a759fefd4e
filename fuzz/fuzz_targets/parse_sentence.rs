//! Fuzzes one packet sentence as a step value (the pest grammar and the compiler behind it).
#![no_main]

use dsl::source::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let sentence = s.replace(['\n', '\r'], " ").replace('\'', "''");
    let text = format!("case: f\ntitle: f\nflows:\n  web: tcp lan:1 -> wan:80\nsteps:\n  - lan: '{sentence}'\n  - wan: 'expect {sentence}'\n");
    let file = SourceFile::new(Path::new("fuzz.yaml"), text);
    let _ = dsl::compile(&file, &dsl::Testbed::builtin());
});
