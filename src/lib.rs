//! healthfeed: archive Microsoft 365 service-health and Message Center posts
//! republished on WordPress, and answer questions about them.
//!
//! Layers, each depending only on those above it in this list:
//! [`model`] (types) ← [`parse`] (post HTML → update) and [`input`] (saved JSON
//! → raw posts) ← [`commands`] (one per subcommand) ← [`cli`] (clap, printing).

pub mod cli;
pub mod commands;
pub mod exit;
pub mod export;
pub mod fetch;
pub mod input;
pub mod model;
pub mod parse;
pub mod store;
