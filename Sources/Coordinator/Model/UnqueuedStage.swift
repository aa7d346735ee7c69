import Shared

/// A stage whose work units are not all queued yet (`WorkQueuer` writes
/// them batch by batch), with how far it has got.
struct UnqueuedStage: Sendable, Equatable {
    var runId: Int
    var iteration: Int
    var stage: SamplingStage
    var plannedUnits: Int
    var queuedUnits: Int
}
