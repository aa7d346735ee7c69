import Metrics
import Prometheus
import Shared

/// The coordinator's counters, made through swift-metrics on a Prometheus
/// registry of its own (not the global bootstrap, so tests can run several
/// coordinators in one process). Each is counted where its event happens, once.
struct CoordinatorMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let samplesGenerated: Metrics.Counter
    let samplesAccepted: Metrics.Counter
    let tokensGenerated: Metrics.Counter
    let leasesGranted: Metrics.Counter
    let submissionDuration: Metrics.Timer
    let runsByState: [RunState: Metrics.Gauge]
    let leasesActive: Metrics.Gauge
    let leasesExpired: Metrics.Gauge

    init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry
        samplesGenerated = Metrics.Counter(label: "gvm_samples_generated_total", factory: factory)
        samplesAccepted = Metrics.Counter(label: "gvm_samples_accepted_total", factory: factory)
        tokensGenerated = Metrics.Counter(label: "gvm_tokens_generated_total", factory: factory)
        leasesGranted = Metrics.Counter(label: "gvm_leases_granted_total", factory: factory)
        submissionDuration = Metrics.Timer(label: "gvm_submission_duration_seconds", factory: factory)
        runsByState = Dictionary(uniqueKeysWithValues: RunState.allCases.map {
            ($0, Metrics.Gauge(label: "gvm_runs", dimensions: [("state", $0.rawValue)], factory: factory))
        })
        leasesActive = Metrics.Gauge(label: "gvm_leases_active", factory: factory)
        leasesExpired = Metrics.Gauge(label: "gvm_leases_expired", factory: factory)
    }

    /// Gauges are states, read from the store when Prometheus scrapes.
    func refresh(_ gauges: StoreGauges) {
        for (state, gauge) in runsByState { gauge.record(gauges.runsByState[state] ?? 0) }
        leasesActive.record(gauges.leasesActive)
        leasesExpired.record(gauges.leasesExpired)
    }

    /// A taken (not repeated) result.
    func recordSubmission(_ result: LeaseResult, elapsed: Duration) {
        samplesGenerated.increment(by: result.generated)
        samplesAccepted.increment(by: result.samples.count { $0.accepted })
        tokensGenerated.increment(by: result.tokens)
        submissionDuration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
