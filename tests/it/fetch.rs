//! The fetch layer against a loopback WordPress stand-in.
