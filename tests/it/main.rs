//! podlift's integration tests, one binary: each module is one area, run
//! as `cargo test --test it AREA` (e.g. `cargo test --test it explain`).
//! Tests may unwrap, index and print: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::print_stdout
)]

mod allow_input;
mod anonymous_volumes;
mod architecture;
#[path = "../../benches/support/generate.rs"]
#[allow(dead_code)]
mod generate;

mod auto;
mod auto_apart;
mod bad_input;
mod check_json;
mod checks;
mod cli;
mod common;
mod compose_schema;
mod config;
mod controller;
mod convert;
mod diagnostics;
mod docker_semantics;
mod env_secrets;
mod explain;
mod findings;
mod harden_interrupt;
mod harden_types;
mod health;
mod host_files;
mod host_network;
mod host_ports;
mod host_text;
mod images_carry;
mod images_hostile;
mod images_source;
mod init_on_cluster;
mod init_script;
mod load_corpus;
mod load_features;
mod mapping;
mod network_policy;
mod network_privilege;
mod node_paths;
mod output;
mod output_races;
mod output_safety;
mod parity;
mod pod_security;
mod printed_lines;
mod private_files;
mod process_keys;
mod properties;
mod r10_command_secret;
mod r9_compose;
mod real9;
mod red8_config;
mod red8_output;
mod red8_yaml;
mod red9_leak;
mod red9_meaning;
mod red9_perf;
mod red_config;
mod red_output;
mod refuse;
mod releases;
mod scalars;
mod select;
mod service_types;
mod shipping;
mod split;
mod start_gate;
mod start_order;
mod terminal;
mod writable_binds;
mod yaml_fast;
mod yaml_writer;
