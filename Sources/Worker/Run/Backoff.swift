/// Exponential backoff with full jitter: the n-th consecutive failure waits a
/// uniformly random time in [0, min(cap, base * 2^n)], so that workers that
/// lost the coordinator together do not come back in lockstep.
struct Backoff: Sendable, Equatable {
    var base: Duration
    var cap: Duration

    static let coordinator = Backoff(base: .milliseconds(200), cap: .seconds(10))

    /// The longest wait after `attempt` failures (attempt 0 is the first).
    func ceiling(attempt: Int) -> Duration {
        // 2^30 * base already exceeds any sensible cap; stop before overflow.
        let factor = 1 << min(max(attempt, 0), 30)
        let grown = base * factor
        return grown < cap ? grown : cap
    }

    func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(attempt: attempt)
        let fraction = Double.random(in: 0...1, using: &generator)
        return ceiling * fraction
    }

    func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}
