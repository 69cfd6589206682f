//! A Helm chart. (Being written.)

use crate::emit::File;
use crate::render::Object;

/// The files of the chart.
///
/// # Errors
/// Always, until the chart writer lands.
pub fn files(_objects: &[Object], _project: &str) -> Result<Vec<File>, String> {
    Err("`--format helm` is not available yet".to_string())
}
