/// Why an allocation was refused. Each case names the offending field so that
/// the CLI and the HTTP API can report it as is.
public enum AllocationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A field holds a value the rule cannot use.
    case invalidField(field: String, problem: String)
    /// Every weight is zero, or the filters removed every prompt.
    case nothingAllocatable(reason: String)

    public var field: String? {
        switch self {
        case .invalidField(let field, _): field
        case .nothingAllocatable: nil
        }
    }

    public var description: String {
        switch self {
        case .invalidField(let field, let problem): "\(field): \(problem)"
        case .nothingAllocatable(let reason): "nothing allocatable: \(reason)"
        }
    }
}
