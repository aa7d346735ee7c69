/// A piece of work for the built-in trainer.
enum BuiltinJob: Sendable, Equatable {
    /// Test accuracy of version 0, once per run, so that the per-iteration
    /// figures start from it.
    case evaluateInitial(runId: Int)
    case train(runId: Int, iteration: Int)
    case evaluate(runId: Int, iteration: Int)
}
