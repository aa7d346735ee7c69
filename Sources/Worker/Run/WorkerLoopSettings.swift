/// The knobs of `WorkerLoop`, with the daemon's defaults.
struct WorkerLoopSettings: Sendable {
    var workerName: String
    /// The model the backend serves; sent with every lease request.
    var model: String
    /// Leases in flight at once (when leases hold at most `samplesPerSlot`).
    var concurrency: Int
    /// Samples asked for per free slot.
    var samplesPerSlot = 8
    /// How long to wait when the coordinator has no work and names no delay.
    var idleWait: Duration = .seconds(1)
    /// How long leases in flight may take to finish after a shutdown request.
    var shutdownGrace: Duration = .seconds(30)
    var backoff: Backoff = .coordinator
    /// Heartbeats go out every third of a lease's remaining lifetime, but not
    /// more often than this (a clock ahead of the coordinator's would
    /// otherwise see every lease as expired).
    var minimumHeartbeatInterval: Duration = .seconds(1)
    /// Releases are a courtesy (an unreleased lease expires on its own), so
    /// they are tried only a few times.
    var releaseAttempts = 3
}
