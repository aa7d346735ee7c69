import Shared

/// What `/metrics` reads from the store on each scrape.
struct StoreGauges: Sendable, Equatable {
    var runsByState: [RunState: Int]
    var leasesActive: Int
    var leasesExpired: Int
}
