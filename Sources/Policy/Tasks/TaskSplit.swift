import Shared

/// Which side of the train/validation/test divide a problem is on.
///
/// It is a fixed function of the problem text, the same for every seed: a
/// held-out problem is held out of every training file, whichever seeds made
/// the files, and no set of held-out problems has to be kept to check it.
/// The test side is what it was before validation existed, so a seed's test
/// file is unchanged; validation takes one eighth from the training side.
public enum TaskSplit: String, Sendable, CaseIterable {
    case train
    case validation
    case test

    /// Problems fall into this many classes by their hash...
    static let classes: UInt64 = 8
    /// ...of which this one is test and this one validation; the rest train.
    static let testClass: UInt64 = 0
    static let validationClass: UInt64 = 1

    public init(problem: String) {
        // Each byte is folded in through a SplitMix64 step: stable across
        // runs and platforms, unlike Swift's seeded-per-process hashing.
        var state: UInt64 = 0x6776_6D5F_7461_736B
        for byte in problem.utf8 {
            var mixer = SplitMix64(seed: state ^ UInt64(byte))
            state = mixer.next()
        }
        switch state % Self.classes {
        case Self.testClass: self = .test
        case Self.validationClass: self = .validation
        default: self = .train
        }
    }

    /// Keeps the splits' draws apart, so the files from one seed are
    /// different streams.
    var streamSalt: UInt64 {
        switch self {
        case .train: 0x7472_6169_6E00_0001
        case .test: 0x7465_7374_0000_0002
        case .validation: 0x7661_6C69_6400_0003
        }
    }
}
