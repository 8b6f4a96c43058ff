//! The TOML scenario format (in progress).
