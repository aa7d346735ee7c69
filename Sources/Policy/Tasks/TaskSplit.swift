import Shared

/// Which side of the train/test divide a problem is on.
///
/// It is a fixed function of the problem text, the same for every seed: a
/// held-out problem is held out of every training file, whichever seeds made
/// the two files, and no set of test problems has to be kept to check it.
public enum TaskSplit: String, Sendable, CaseIterable {
    case train
    case test

    /// One problem in eight is held out for test.
    static let heldOutOneIn: UInt64 = 8

    public init(problem: String) {
        // Each byte is folded in through a SplitMix64 step: stable across
        // runs and platforms, unlike Swift's seeded-per-process hashing.
        var state: UInt64 = 0x6776_6D5F_7461_736B
        for byte in problem.utf8 {
            var mixer = SplitMix64(seed: state ^ UInt64(byte))
            state = mixer.next()
        }
        self = state % Self.heldOutOneIn == 0 ? .test : .train
    }

    /// Keeps the two splits' draws apart, so train and test from one seed
    /// are different streams.
    var streamSalt: UInt64 {
        switch self {
        case .train: 0x7472_6169_6E00_0001
        case .test: 0x7465_7374_0000_0002
        }
    }
}
