//! The keys of the top-level resources: models, networks, volumes,
//! secrets and configs.

use super::{Object, Shape, keys};

pub(super) static MODEL: Object = keys(
    "model",
    &[
        ("context_size", Shape::Any),
        ("model", Shape::Any),
        ("name", Shape::Any),
        ("runtime_flags", Shape::Any),
    ],
    true,
);

pub(super) static NETWORK: Object = keys(
    "network",
    &[
        ("attachable", Shape::Any),
        // compose: `networks.back.driver must be a string` (null too)
        ("driver", Shape::Text { null: true }),
        ("driver_opts", Shape::Options),
        ("enable_ipv4", Shape::Any),
        ("enable_ipv6", Shape::Any),
        ("external", Shape::Keys(&EXTERNAL)),
        ("internal", Shape::Any),
        ("ipam", Shape::Keys(&IPAM)),
        ("labels", Shape::ListOrMap),
        ("name", Shape::Any),
    ],
    true,
);

static IPAM: Object = keys(
    "`ipam`",
    &[
        ("config", Shape::Keys(&IPAM_CONFIG)),
        ("driver", Shape::Any),
        ("options", Shape::Options),
    ],
    true,
);

static IPAM_CONFIG: Object = keys(
    "`ipam.config`",
    &[
        ("aux_addresses", Shape::Options),
        ("gateway", Shape::Any),
        ("ip_range", Shape::Any),
        ("subnet", Shape::Any),
    ],
    true,
);

static EXTERNAL: Object = keys("`external`", &[("name", Shape::Any)], true);

pub(super) static VOLUME: Object = keys(
    "volume",
    &[
        // compose: `volumes.data.driver must be a string` (null too)
        ("driver", Shape::Text { null: true }),
        ("driver_opts", Shape::Options),
        ("external", Shape::Keys(&EXTERNAL)),
        ("labels", Shape::ListOrMap),
        ("name", Shape::Any),
    ],
    true,
);

// Compose's schema puts no bounds on the keys of a secret's or config's
// `external` mapping.
pub(super) static SECRET: Object = keys(
    "secret",
    &[
        ("driver", Shape::Any),
        ("driver_opts", Shape::Options),
        ("environment", Shape::Any),
        ("external", Shape::Any),
        ("file", Shape::Any),
        ("labels", Shape::ListOrMap),
        ("name", Shape::Any),
        ("template_driver", Shape::Any),
    ],
    true,
);

pub(super) static CONFIG: Object = keys(
    "config",
    &[
        ("content", Shape::Any),
        ("environment", Shape::Any),
        ("external", Shape::Any),
        ("file", Shape::Any),
        ("labels", Shape::ListOrMap),
        ("name", Shape::Any),
        ("template_driver", Shape::Any),
    ],
    true,
);
