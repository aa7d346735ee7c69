extension Duration {
    /// Whole milliseconds, rounded up so a wait never ends early; 0 for
    /// negative durations, and saturating instead of overflowing.
    var millisecondsRoundedUp: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int.max }
        let (total, carry) = whole.addingReportingOverflow(
            (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond)
        return carry ? Int.max : Int(total)
    }
}
