//! podlift's own top-level settings: `x-podlift`.

use std::net::IpAddr;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::{Node, Value};
use crate::model::EXTENSION_KEY;
use crate::model::keys::{Support, report_extension_key};
use crate::model::network::read_ip;
use crate::model::read::Reader;
use crate::source::Located;

/// podlift's settings inside the compose file (`x-podlift`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extension {
    /// `extra-addresses`: addresses the images use that compose never declared.
    pub extra_addresses: Vec<Located<IpAddr>>,
    /// `init-image`: the image of the loopback init container.
    pub init_image: Option<Located<String>>,
}

const EXTENSION_KEYS: &[(&str, Support)] = &[
    ("extra-addresses", Support::Mapped),
    ("init-image", Support::Mapped),
];

pub(super) fn read_extension(node: &Node, reader: &mut Reader<'_>) -> Extension {
    let mut extension = Extension::default();
    if matches!(node.value, Value::Null) {
        return extension;
    }
    let Some(entries) = reader.map(node, EXTENSION_KEY) else {
        return extension;
    };
    for (key, value) in entries {
        match key.value.as_str() {
            "extra-addresses" => {
                let Some(items) = value.as_seq() else {
                    reader.type_error(value, "x-podlift.extra-addresses", "a list of IP addresses");
                    continue;
                };
                extension.extra_addresses = items
                    .iter()
                    .filter_map(|item| read_ip(item, "x-podlift.extra-addresses", reader))
                    .collect();
            }
            "init-image" => extension.init_image = read_init_image(value, reader),
            _ => report_extension_key(&key, EXTENSION_KEYS, EXTENSION_KEY, reader),
        }
    }
    extension
}

/// `x-podlift.init-image`, validated as `image:` is: a reference the
/// kubelet cannot pull is an error at its span, and is not used.
fn read_init_image(node: &Node, reader: &mut Reader<'_>) -> Option<Located<String>> {
    let image = reader.string(node, "x-podlift.init-image")?;
    let problem = if image.value.trim().is_empty() {
        Some("it is empty".to_string())
    } else {
        crate::model::image::reference_problem(&image.value)
    };
    let Some(problem) = problem else {
        return Some(image);
    };
    reader.diagnostics.push(
        Diagnostic::error(
            Code::ImageInvalid,
            format!(
                "`x-podlift.init-image` `{}` is not an image reference: {problem}",
                image.value
            ),
        )
        .at(image.span)
        .help("write `NAME[:TAG][@DIGEST]`, e.g. `nicolaka/netshoot:v0.13`, or remove the key to use podlift's default init image"),
    );
    None
}
