import Shared

/// Pause, resume, cancel and advance as decisions without a database: a
/// run's state and a control command give the run's next state and what
/// else the command does, or a refusal (409) with the wire's exact words.
/// The store executes a decision in the command's one transaction
/// (SQLiteStore+RunControl).
struct RunControlRules: Equatable, Sendable {
    var runId: Int
    var state: RunState
    var currentIteration: Int

    enum Command: Equatable, Sendable {
        case pause
        case resume
        case cancel
        /// An external trainer's new model; `iterationStage` is where the
        /// run's current iteration is.
        case advance(modelVersion: String, iterationStage: IterationStage)
    }

    /// What else a command does beside setting the run's state.
    enum Effect: Equatable, Sendable {
        /// Leases already out may still finish; no new ones are handed out.
        case none
        /// An iteration that finished while paused moves on now.
        case finishIterationIfDone
        /// Nothing of the run is leased again, and leases out are ended so
        /// their results are refused.
        case endLeasesAndWork
        /// The run takes the new model version and the next iteration starts on it.
        case startIteration(Int, modelVersion: String)
    }

    enum Decision: Equatable, Sendable {
        case refuse(String)
        case transition(to: RunState, effect: Effect)
    }

    func decide(_ command: Command) -> Decision {
        switch command {
        case .pause:
            guard state == .active || state == .waiting else {
                return .refuse("run \(runId) is \(state.rawValue); only an active or waiting run can be paused")
            }
            return .transition(to: .paused, effect: .none)
        case .resume:
            guard state == .paused else {
                return .refuse("run \(runId) is \(state.rawValue); only a paused run can be resumed")
            }
            return .transition(to: .active, effect: .finishIterationIfDone)
        case .cancel:
            guard state != .cancelled && state != .completed else {
                return .refuse("run \(runId) is already \(state.rawValue)")
            }
            return .transition(to: .cancelled, effect: .endLeasesAndWork)
        case .advance(let modelVersion, let stage):
            switch state {
            case .waiting:
                return .transition(to: .active, effect: .startIteration(currentIteration + 1, modelVersion: modelVersion))
            case .active where stage != .done:
                return .refuse(
                    "iteration \(currentIteration) of run \(runId) is in stage \(stage.rawValue); advance is accepted once it is done")
            case .active:
                return .refuse("run \(runId) advances by itself (advance: auto)")
            default:
                return .refuse("run \(runId) is \(state.rawValue) and cannot advance")
            }
        }
    }
}
