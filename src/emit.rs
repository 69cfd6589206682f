//! Emitting: objects → text. The YAML stream is what `kubectl apply -f -` reads.

use crate::render::Object;

/// Serialises objects as a YAML stream, `---` between documents.
///
/// # Errors
/// A message when an object cannot be serialised (never expected for
/// Kubernetes types).
pub fn yaml_stream(objects: &[Object]) -> Result<String, String> {
    let mut out = String::new();
    for object in objects {
        let text = serde_saphyr::to_string(object)
            .map_err(|e| format!("cannot write {} as YAML: {e}", object.kind()))?;
        out.push_str("---\n");
        out.push_str(&text);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}
