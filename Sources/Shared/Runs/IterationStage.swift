/// Where an iteration is: `presample → allocate → sample → train → evaluate → done`.
public enum IterationStage: String, Codable, Sendable, CaseIterable, Comparable {
    case presample, allocate, sample, train, evaluate, done

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The stages in which workers generate samples.
public enum SamplingStage: String, Codable, Sendable, CaseIterable {
    case presample, sample

    public var iterationStage: IterationStage {
        switch self {
        case .presample: .presample
        case .sample: .sample
        }
    }
}

/// A run's lifecycle, independent of its iterations' stages.
public enum RunState: String, Codable, Sendable, CaseIterable {
    /// Iterations proceed and leases are handed out.
    case active
    /// Waiting for an external trainer's advance (`advance: manual`).
    case waiting
    case paused
    case cancelled
    /// Every configured iteration is done.
    case completed
}
