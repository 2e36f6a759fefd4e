//! `gatecheck run <bundle-dir>`: a repro bundle given as the path reruns the one case it holds,
//! with the bundle's testbed, gateway and seed unless the command line overrides them.

use reports::{MANIFEST, Manifest};
use std::path::PathBuf;

/// What a bundle sets for the run.
#[derive(Debug)]
pub struct Bundle {
    /// The bundle folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

impl Bundle {
    /// The bundle in `paths`, when the only path is a folder holding a [`MANIFEST`]; an error
    /// names the bundle and what is wrong with its manifest.
    pub fn find(paths: &[PathBuf]) -> Result<Option<Bundle>, String> {
        let [dir] = paths else {
            return Ok(None);
        };
        let manifest_path = dir.join(MANIFEST);
        if !dir.is_dir() || !manifest_path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
        let manifest =
            Manifest::parse(&text).map_err(|e| format!("{} is not a repro manifest: {e}", manifest_path.display()))?;
        let bundle = Bundle {
            dir: dir.clone(),
            manifest,
        };
        let case = bundle.case_file();
        if !case.is_file() {
            return Err(format!(
                "{} names the case file {}, which is not in the bundle",
                manifest_path.display(),
                case.display()
            ));
        }
        Ok(Some(bundle))
    }

    /// The case file in the bundle.
    pub fn case_file(&self) -> PathBuf {
        self.dir.join(&self.manifest.case_file)
    }

    /// The bundle's testbed file (every value written out, `gateway:` naming where it failed).
    pub fn testbed_file(&self) -> PathBuf {
        self.dir.join("testbed.yaml")
    }
}
