//! The archive: import, reparse, status.
