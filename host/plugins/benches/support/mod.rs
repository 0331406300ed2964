//! What the plugin benchmarks share: the runtime they run on and the median of their runs.
#![allow(clippy::unwrap_used)]

/// A multi-threaded runtime with two workers, as the host runs on this 2-core machine.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The median of `xs` (the upper one of an even count).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
