/// The window over which rates are measured.
enum StatusWindow {
    static let seconds: Double = 60
}
