import Foundation
import Shared

/// One iteration of a run, as `list-iterations` shows it.
struct IterationSummary: Codable, Sendable, Equatable {
    var iteration: Int
    var stage: IterationStage
    var modelVersion: String
    var promptCount: Int
    /// N: the samples the allocation shares out (trained on, under
    /// `countTowardBudget`).
    var budget: Int
    /// U: the part of N the cap left unallocated.
    var unallocated: Int
    /// What the iteration generates once allocated, pre-sampling counted:
    /// m * N' + the sample stage's new samples (m * N' + N - U under
    /// `separate`). Nil before the allocation.
    var generationBudget: Int?
    var fellBackToUniform: Bool
    var fallbackReason: String?
    var startedAt: Date
    var finishedAt: Date?
    /// Every sample generated in the iteration, pre-sampling included.
    var samplesGenerated: Int
    var samplesAccepted: Int
    /// Samples of work units that used up their attempts and were never returned.
    var samplesFailed: Int
    var acceptance: Summary?
    var allocation: AllocationSummary?
    /// Built-in runs only: the train stage, once it has started.
    var training: TrainingSummary?
    /// Built-in runs only: test accuracy of the version the iteration sampled
    /// with (for iteration 0, version 0), once measured.
    var evaluationBefore: TestEvaluation?
    /// Built-in runs only: test accuracy of the version the iteration trained.
    var evaluationAfter: TestEvaluation?
}

/// Min, median, max and mean of a set of per-prompt values.
struct Summary: Codable, Sendable, Equatable {
    var min: Double
    var median: Double
    var max: Double
    var mean: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        min = sorted[0]
        max = sorted[sorted.count - 1]
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        mean = values.reduce(0, +) / Double(values.count)
    }
}

/// How an iteration's budget was split.
struct AllocationSummary: Codable, Sendable, Equatable {
    var min: Int
    var median: Double
    var max: Int
    var promptsAtZero: Int
    var fellBackToUniform: Bool

    init?(counts: [Int], fellBackToUniform: Bool) {
        guard let summary = Summary(counts.map(Double.init)) else { return nil }
        min = Int(summary.min)
        median = summary.median
        max = Int(summary.max)
        promptsAtZero = counts.count { $0 == 0 }
        self.fellBackToUniform = fellBackToUniform
    }
}

struct WorkerSummary: Codable, Sendable, Equatable {
    var name: String
    var model: String
    var firstSeen: Date
    var lastSeen: Date
    var activeLeases: Int
    var samplesSubmitted: Int
    /// Over the last `StatusWindow.seconds`.
    var samplesPerSecond: Double
    var releases = Releases()

    /// The leases this worker gave back.
    struct Releases: Codable, Sendable, Equatable {
        /// Counts by `ReleaseKind` raw value; releases from before kinds were kept are not counted.
        var byKind: [String: Int] = [:]
        var lastReason: String?
    }
}

/// The window over which rates are measured.
enum StatusWindow {
    static let seconds: Double = 60
}
