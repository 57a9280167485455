//! Helpers shared by the benchmarks that time the real binary.

/// Peak RSS of this process's finished children, in MiB (Linux reports kilobytes).
pub fn children_peak_rss_mib() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes into the zeroed struct we own; std has no safe wrapper.
    #[allow(unsafe_code)]
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss as f64 / 1024.0
}
