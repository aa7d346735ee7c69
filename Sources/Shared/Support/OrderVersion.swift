/// How a run shuffles its prompt order and its trainer's minibatches, stored
/// with the run so that a run keeps its order whichever gvm resumes it.
/// Encoded as its number (`orderVersion` in run summaries).
public enum OrderVersion: Int, Codable, Sendable, CaseIterable {
    /// The standard library's `shuffle(using:)`, whose use of the generator
    /// may change between Swift versions: the runs created before gvm had its
    /// own shuffle, which keep the order they started with.
    case standardLibrary = 0
    /// gvm's own Fisher-Yates (`SeededShuffle`), the same on every toolchain.
    case fisherYates = 1

    /// The version of the runs created now.
    public static let current = OrderVersion.fisherYates

    public func shuffle<Element>(_ elements: inout [Element], using generator: inout SplitMix64) {
        switch self {
        case .standardLibrary: elements.shuffle(using: &generator)
        case .fisherYates: SeededShuffle.shuffle(&elements, using: &generator)
        }
    }
}
