/// What a bearer token may do. Each route group of the API (`RoleGroups`)
/// belongs to one role; `operator` may call every group.
enum AccessRole: String, Codable, CaseIterable, Sendable {
    /// Leases, heartbeats, results, releases and weights: the worker protocol.
    case worker
    /// Everything: datasets, runs and their control, and what the others may do.
    case `operator`
    /// Status, metrics, history, exports and `/openapi.json`; changes nothing.
    case reader

    /// Whether a token of this role may call a route of `group`'s role.
    func allows(_ group: AccessRole) -> Bool {
        self == .operator || self == group
    }
}
