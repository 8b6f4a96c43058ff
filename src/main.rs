//! The `trafsim` binary (in progress).
fn main() {}
