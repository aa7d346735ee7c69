import Shared

/// Where a page of the trace export ends.
struct TraceCursor: Sendable, Equatable {
    var stage: SamplingStage
    var promptId: Int
    var sampleIndex: Int

    init(_ trace: TraceRecord) {
        stage = trace.stage
        promptId = trace.promptId
        sampleIndex = trace.sampleIndex
    }
}
