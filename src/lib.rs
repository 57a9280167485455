//! healthfeed: archive Microsoft 365 service-health and Message Center posts
//! republished on WordPress, and answer questions about them.
//!
//! Layers, each depending only on those before it in this list:
//!
//! 1. [`model`]: the types every layer speaks; [`describe`]: how every layer words an error;
//!    [`exit`]: the exit code each error answers with.
//! 2. [`parse`] (post HTML → update), [`store`] (the SQLite archive),
//!    [`export`] (writers), [`report`] (records → the monthly report) and
//!    [`input`] (saved JSON → raw posts); none uses another.
//! 3. [`fetch`]: the WordPress REST client, which splits its pages with
//!    [`input`]'s reader and hands out raw and decoded posts, never HTML;
//!    [`notify`]: the HTTP client that POSTs events to subscribers.
//! 4. [`pipeline`]: a decoded post → the parser's verdict → the store, with
//!    reading on a second thread; shared by import and sync.
//! 5. [`commands`]: one per subcommand, composing the layers above.
//! 6. [`cli`]: clap and printing, on top.

pub mod cli;
pub mod commands;
pub mod describe;
pub mod exit;
pub mod export;
pub mod fetch;
pub mod input;
pub mod model;
pub mod notify;
pub mod parse;
pub mod pipeline;
pub mod report;
pub mod store;
