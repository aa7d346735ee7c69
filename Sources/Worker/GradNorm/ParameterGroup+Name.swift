import Policy
import Shared

extension ParameterGroup {
    /// The model's parameter group a lease names.
    init(_ name: ParameterGroupName) {
        switch name {
        case .embedding: self = .embedding
        case .head: self = .head
        case .all: self = .all
        }
    }
}
