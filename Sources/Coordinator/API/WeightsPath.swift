/// Where the coordinator serves a built-in run's weights: the route and the
/// paths that lease replies name, spelled in one place so they cannot drift.
enum WeightsPath {
    /// The route's pattern, as `WeightsRoutes` adds it.
    static let route = "v1/runs/:runId/weights/:version"

    /// The path of one version, e.g. `/v1/runs/1/weights/3`.
    static func of(runId: Int, version: String) -> String {
        "/v1/runs/\(runId)/weights/\(version)"
    }
}
