/// What a bearer token may do. Each route group of the API (`RoleGroups`)
/// belongs to one role; `operator` may call every group.
enum AccessRole: String, Codable, CaseIterable, Sendable {
    /// Leases, heartbeats, results, releases and weights: the worker protocol.
    case worker
    /// Everything: datasets, runs and their control, and what the others may do.
    case `operator`
    /// Status, metrics, history, exports and `/openapi.json`; changes nothing.
    case reader

    /// Refuses an unknown role naming the ones there are.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let role = AccessRole(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), got \(name.debugDescription)")
        }
        self = role
    }

    /// Whether a token of this role may call a route of `group`'s role.
    func allows(_ group: AccessRole) -> Bool {
        self == .operator || self == group
    }
}
