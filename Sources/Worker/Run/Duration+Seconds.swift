extension Duration {
    /// The duration in seconds, for arithmetic.
    var inSeconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }

    /// Seconds to the millisecond, for logs.
    var roundedSeconds: Double {
        (inSeconds * 1000).rounded() / 1000
    }
}
