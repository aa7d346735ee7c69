import Shared

/// A run whose stored order version this gvm cannot reproduce.
struct UnknownOrderVersion: Error, Equatable, CustomStringConvertible {
    var runId: Int
    var value: Int

    var description: String {
        let known = OrderVersion.allCases.map { String($0.rawValue) }.joined(separator: ", ")
        return "run \(runId) has orderVersion \(value), which this gvm does not know (it knows \(known)); refusing to guess its prompt and minibatch order"
    }
}
