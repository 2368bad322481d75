// The worker's resident set size, read where a fault must not become a crash.
// libuv reads it from /proc/self/stat, which takes a file descriptor: a worker
// out of descriptors gets EMFILE from process.memoryUsage(). Worker process only.

/** The RSS in bytes, or `fallback` (the last reading) when it cannot be read now. */
export function residentBytes(fallback: number): number {
  try {
    return process.memoryUsage.rss();
  } catch {
    return fallback;
  }
}
