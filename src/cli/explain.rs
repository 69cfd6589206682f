//! `podlift explain [CODE]`: what a diagnostic means and what to do.

use podlift::diagnostic::Diagnostic;
use podlift::explain;

use super::exit::{Outcome, Status};

/// Every code without `code`; else its explanation, or a usage error that
/// names the closest code.
pub fn run(code: Option<&str>) -> Outcome {
    let Some(code) = code else {
        return Outcome::new(explain::list(), String::new(), Status::Success);
    };
    // Also as pasted from a diagnostic: `warning[address-common-range]`.
    let code = code
        .trim()
        .split_once('[')
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .unwrap_or(code.trim())
        .to_ascii_lowercase();
    if let Some(found) = explain::find(&code) {
        return Outcome::new(explain::text(found), String::new(), Status::Success);
    }
    let hint = explain::closest(&code)
        .map(|near| format!("did you mean `{near}`? "))
        .unwrap_or_default();
    let error = Diagnostic::command(format!("unknown diagnostic code `{code}`"))
        .help(format!("{hint}`podlift explain` lists every code"));
    Outcome::error(String::new(), &error, Status::Usage)
}
