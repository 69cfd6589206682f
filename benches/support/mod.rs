//! Code shared by the benchmark targets.

// Each bench target uses part of the support code.
#![allow(dead_code)]

pub mod generate;
