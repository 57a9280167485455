//! The clap definition itself: clap's own consistency checks (conflicting
//! flags, duplicate names, bad defaults) fail here rather than at a user's run.

use clap::CommandFactory;
use healthfeed::cli::Cli;

#[test]
fn the_clap_definition_passes_clap_s_debug_asserts() {
    Cli::command().debug_assert();
}
