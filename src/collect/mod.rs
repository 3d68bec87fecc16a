//! What is read from a node. `parse` turns command output into fleet values; the
//! collectors that run the commands build on it.

pub mod parse;
